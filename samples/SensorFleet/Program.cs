// SensorFleet: a fleet of simulated sensors, each a stream of an anomaly-detection LSTM served on Microsoft Orleans.
// Every sensor is a grain (its LSTM state and step count in grain storage); each silo holds one copy of the weights
// and steps the sensors that arrive together in one many-stream Step. Halfway through, one silo is stopped: its
// sensors move to the other silo and carry on from their stored state. Reports steps/s, client latency, the batches
// formed and the sensors recovered; every 97th sensor is checked bit for bit against a single-process run. Just before
// the stop the weights are updated for the whole cluster (IRnnWeightsGrain), and every later step must report them.
//   dotnet run --project samples/SensorFleet -c Release
//   dotnet run --project samples/SensorFleet -c Release -- --streams 100000
//   dotnet run --project samples/SensorFleet -c Release -- --redis 127.0.0.1:6379   (apt-get install redis-server)

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using RnnGen.Orleans;
using SensorFleet;

const string help = """
    SensorFleet: simulated sensor streams through an anomaly-detection LSTM served on Microsoft Orleans.
    options:  --streams N (5000; --streams 100000 for the full fleet)   --steps S (20)   --clients C (256 calls in flight)
              --redis HOST:PORT (Redis clustering and grain storage; default: 2 silos in this process, state in its memory)
              --mode stop (default: stop a silo halfway) | compare (batched against one call per step, no silo stopped)
              --model small (default: the trained LSTM 1 → 16 → Dense 1) | large (LSTM 1 → 256 → Dense 1, random
                      weights; with --mode compare)
              --window-us W (1000: the batch window)   --tile T (32)   --max-batch B (256)   --seed S (1)
    redis:    apt-get install redis-server, then --redis 127.0.0.1:6379
    verdict:  served when every stream applied every step once, the sampled streams equal a single-process run bit for
              bit, and every stream on the stopped silo carried on.
    """;
if (Arguments.Parse(args, help, out int exitCode) is not { } arguments) return exitCode;
int streams = arguments.Int("streams", 5000);
int steps = arguments.Int("steps", 20, min: 4);
int clients = arguments.Int("clients", 256);
string? redis = arguments.String("redis");
string mode = arguments.String("mode") ?? "stop";
string modelName = arguments.String("model") ?? "small";
int windowUs = arguments.Int("window-us", 1000, min: 0);
int tile = arguments.Int("tile", 32);
int maxBatch = arguments.Int("max-batch", 256);
int seed = arguments.Int("seed", 1, min: 0);
arguments.Require(mode is "stop" or "compare", $"--mode {mode}: expected stop or compare.");
arguments.Require(modelName is "small" or "large", $"--model {modelName}: expected small or large.");
arguments.Require(modelName == "small" || mode == "compare", "--model large: only with --mode compare (its weights are random, so its anomalies are not scored).");
arguments.Require(redis is null || redis.Contains(':'), $"--redis {redis}: expected HOST:PORT.");
if (!arguments.Finish(out exitCode)) return exitCode;

AnsiConsole.MarkupLine("[bold]RnnGen — sensor fleet on Orleans[/]");
bool large = modelName == "large";
AnsiConsole.MarkupLine(large
    ? $"{Markup.Escape(LargeLstm.Spec.ToString())}, {LargeLstm.ParameterCount:N0} parameters (generated), random weights (seed {seed})"
    : $"{Markup.Escape(AnomalyLstm.Spec.ToString())}, {AnomalyLstm.ParameterCount:N0} parameters (generated)");

// Train the detector on clean sensors: predict the next reading.
var trainingData = new List<Sequence>();
for (int i = 0; i < 400; i++)
{
    int s = 1_000_000 + i;
    var x = new float[AnomalyLstm.MaxSteps];
    var y = new float[AnomalyLstm.MaxSteps];
    int start = (int)(Sensors.Hash(s, 0) % 64);
    for (int t = 0; t < x.Length; t++) { x[t] = Sensors.Clean(s, start + t); y[t] = Sensors.Clean(s, start + t + 1); }
    trainingData.Add(Sequence.FromFloats(x, x.Length, y));
}
string folder = Directory.CreateTempSubdirectory("sensorfleet-").FullName;
string weightsPath = Path.Combine(folder, "detector.safetensors");
if (large)
{
    var random = new LargeLstm();
    random.InitializeParameters(seed);
    random.SaveSafetensors(weightsPath);
}
else
{
    using var trainer = new Trainer(() => new AnomalyLstm(), new Adam(0.01f), new TrainerOptions { BatchSize = 16, Epochs = 12, ClipNorm = 1, Seed = seed });
    TrainingResult training = SampleConsole.Train("detector", p => { trainer.Progress = p; return trainer.Fit(trainingData); }, lossName: "MSE");
    trainer.Model.SaveSafetensors(weightsPath);
}

string storage = redis is null ? "state in this process's memory" : $"Redis {redis}";
try
{
    if (mode == "compare")
    {
        var table = new Table().AddColumns("serving", "steps/s", "p50 ms", "p99 ms", "mean batch");
        foreach (bool batching in new[] { true, false })
        {
            var config = new FleetConfig(streams, steps, clients, redis, weightsPath, batching, windowUs, tile, maxBatch, StopSilo: false);
            FleetRun run = large ? await Fleet.Run<LargeLstm, LargeLstm.State>(config) : await Fleet.Run<AnomalyLstm, AnomalyLstm.State>(config);
            table.AddRow(batching ? "batched (one many-stream Step per batch)" : "one grain call per step, no batching",
                $"{run.StepsPerSecond:N0}", $"{run.P50Ms:F2}", $"{run.P99Ms:F2}", $"{run.MeanBatch:F1}");
            if (!run.AllApplied || run.Mismatches > 0) return SampleConsole.Conclude(Outcome.NotLearned, $"{run.Mismatches} sampled streams differ from a single-process run", "", "served", "", "not served");
        }
        AnsiConsole.MarkupLine($"fleet: 2 silos ({Markup.Escape(storage)}), {modelName} model, {streams:N0} streams × {steps} steps, {clients} calls in flight, window {windowUs} µs, tile {tile}");
        AnsiConsole.Write(table);
        return SampleConsole.Conclude(Outcome.Learned, "both ways gave the same outputs", "", "served", "", "not served");
    }

    FleetRun r = await Fleet.Run<AnomalyLstm, AnomalyLstm.State>(new FleetConfig(streams, steps, clients, redis, weightsPath, Batching: true, windowUs, tile, maxBatch, StopSilo: true));
    AnsiConsole.MarkupLine($"fleet: 2 silos ({Markup.Escape(storage)}), {streams:N0} streams × {steps} steps, {clients} calls in flight, window {windowUs} µs, tile {tile}");
    AnsiConsole.MarkupLine($"throughput: {r.StepsPerSecond:N0} steps/s ({r.Steps:N0} steps in {r.Seconds:F1} s)");
    AnsiConsole.MarkupLine($"latency seen by clients: p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms");
    AnsiConsole.MarkupLine($"batches: {r.Batches:N0} formed, mean {r.MeanBatch:F1} steps, largest {r.LargestBatch}");
    AnsiConsole.MarkupLine($"silo stopped after step {steps / 2}: {r.Moved:N0} streams moved to the other silo, {r.Recovered:N0} recovered; {r.Retries:N0} calls retried, {r.Replayed:N0} answered from the stored result");
    AnsiConsole.MarkupLine($"anomalies: {r.Injected} injected, {r.Caught} caught, {r.FalseAlarms} false alarms");
    AnsiConsole.MarkupLine($"weights: release {r.Release} ('{Fleet.UpdatedVersion}') rolled out to {r.UpdatedSilos} of 2 silos before the stop; {r.StaleSteps:N0} later steps on an older version");
    AnsiConsole.MarkupLine($"checked: {r.Checked} streams equal a single-process run bit for bit, {r.Mismatches} differ");
    bool served = r.AllApplied && r.Mismatches == 0 && r.Moved > 0 && r.Recovered == r.Moved && r.UpdatedSilos == 2 && r.StaleSteps == 0;
    return SampleConsole.Conclude(served ? Outcome.Learned : Outcome.NotLearned,
        served ? $"{r.Steps:N0} steps applied once each; all {r.Moved:N0} streams of the stopped silo recovered" : "some steps were lost, repeated or differ",
        "see the figures above", "served", "", "not served");
}
finally
{
    Directory.Delete(folder, recursive: true);
}

namespace SensorFleet
{
    /// <summary>The simulated sensors: each a sine with its own period and phase plus noise, a few with one spike.</summary>
    internal static class Sensors
    {
        public static uint Hash(int stream, int t)
        {
            uint h = (uint)stream * 0x9E3779B1u ^ (uint)t * 0x85EBCA77u;
            h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
            return h;
        }

        public static float Clean(int stream, int t)
        {
            float period = 8 + Hash(stream, -1) % 17, phase = Hash(stream, -2) % 628 / 100f;
            float noise = (Hash(stream, t) % 2001 / 1000f - 1) * 0.05f;
            return MathF.Sin(2 * MathF.PI * t / period + phase) + noise;
        }

        public static bool HasAnomaly(int stream) => stream % 50 == 7;

        public static int AnomalyStep(int steps) => steps * 3 / 4;

        /// <summary>Reading <paramref name="t"/> (1-based) of <paramref name="stream"/>.</summary>
        public static float Reading(int stream, int t, int steps) =>
            Clean(stream, t) + (HasAnomaly(stream) && t == AnomalyStep(steps) ? 3f : 0f);
    }

    internal sealed record FleetConfig(int Streams, int Steps, int Clients, string? Redis, string WeightsPath, bool Batching,
        int WindowUs, int Tile, int MaxBatch, bool StopSilo);

    internal sealed record FleetRun(long Steps, double Seconds, double P50Ms, double P99Ms, long Batches, double MeanBatch, int LargestBatch,
        int Moved, int Recovered, long Retries, long Replayed, int Injected, int Caught, int FalseAlarms, int Checked, int Mismatches, bool AllApplied,
        long Release, int UpdatedSilos, long StaleSteps)
    {
        public double StepsPerSecond => Steps / Seconds;
    }

    internal static class Fleet
    {
        private const float Threshold = 1.5f;

        /// <summary>The version of the cluster-wide update made halfway in the stop mode.</summary>
        public const string UpdatedVersion = "detector-2";

        /// <summary>Each run is a service of its own, so that its state (the streams, the weights release) never meets
        /// an earlier run's in a shared Redis.</summary>
        private static string ServiceOf(string clusterId) => "sensorfleet-" + clusterId;

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static IHost Silo<TModel, TState>(FleetConfig config, ProcessStateStore store, int siloPort, int gatewayPort, IPEndPoint primary, string clusterId)
            where TModel : class, IStreamingModel<TState>, new()
            where TState : unmanaged
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.UseOrleans(silo =>
            {
                if (config.Redis is null)
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, primary, ServiceOf(clusterId), clusterId);
                    silo.AddProcessGrainStorage(store);
                }
                else
                {
                    silo.UseRedisClustering(config.Redis);
                    silo.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = ServiceOf(clusterId); });
                    silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
                    silo.AddRedisGrainStorage(RnnStreamGrain.StorageName, o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(config.Redis));
                }
                silo.AddRnnModel<TModel, TState>(() => new TModel(), "detector-1", config.WeightsPath, o =>
                {
                    o.Batching = config.Batching;
                    o.BatchWindow = TimeSpan.FromMicroseconds(config.WindowUs);
                    o.Tile = config.Tile;
                    o.MaxBatch = config.MaxBatch;
                });
                silo.Configure<ClusterMembershipOptions>(o => { o.ProbeTimeout = TimeSpan.FromSeconds(1); o.NumMissedProbesLimit = 1; o.NumVotesForDeathDeclaration = 1; });
            });
            return builder.Build();
        }

        public static async Task<FleetRun> Run<TModel, TState>(FleetConfig config)
            where TModel : class, IStreamingModel<TState>, new()
            where TState : unmanaged
        {
            var store = new ProcessStateStore();
            string clusterId = "fleet-" + Guid.NewGuid().ToString("N")[..8];
            int[] siloPorts = [FreePort(), FreePort()], gatewayPorts = [FreePort(), FreePort()];
            var primary = new IPEndPoint(IPAddress.Loopback, siloPorts[0]);
            IHost[] silos = [Silo<TModel, TState>(config, store, siloPorts[0], gatewayPorts[0], primary, clusterId), Silo<TModel, TState>(config, store, siloPorts[1], gatewayPorts[1], primary, clusterId)];
            foreach (IHost silo in silos) await silo.StartAsync();

            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.Logging.ClearProviders();
            clientBuilder.UseOrleansClient(client =>
            {
                if (config.Redis is null) client.UseLocalhostClustering(gatewayPorts, ServiceOf(clusterId), clusterId);
                else
                {
                    client.UseRedisClustering(config.Redis);
                    client.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = ServiceOf(clusterId); });
                }
                client.AddRnnModelClient<TModel>();
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            });
            using IHost clientHost = clientBuilder.Build();
            await clientHost.StartAsync();
            var grains = clientHost.Services.GetRequiredService<IClusterClient>();

            int n = config.Streams, steps = config.Steps;
            var lastSilo = new string?[n];
            var moved = new bool[n];
            var prediction = new float[n];
            var caught = new bool[n];
            var falseAlarm = new bool[n];
            var applied = new long[n];
            var sampled = new Dictionary<int, float[]>();
            for (int s = 0; s < n; s += 97) sampled[s] = new float[steps];
            var latencies = new List<double>[config.Clients];
            for (int c = 0; c < latencies.Length; c++) latencies[c] = new List<double>(n * steps / config.Clients + 1);
            long retries = 0, replayed = 0, staleSteps = 0, release = 0;
            int updatedSilos = 0;
            Task? stopping = null;
            var clock = Stopwatch.StartNew();
            for (int t = 1; t <= steps; t++)
            {
                if (config.StopSilo && t == steps / 2 + 1)
                {
                    // A cluster-wide weights update (the same file under a new version, so outputs stay comparable):
                    // every later step must report it, on either silo and after the move.
                    WeightsRollout rollout = await grains.GetRnnWeights<TModel>().LoadAsync(config.WeightsPath, UpdatedVersion);
                    release = rollout.Number;
                    updatedSilos = rollout.Silos.Length;
                    stopping = silos[1].StopAsync();
                }
                int step = t;
                int next = -1;
                await Task.WhenAll(Enumerable.Range(0, config.Clients).Select(c => Task.Run(async () =>
                {
                    List<double> mine = latencies[c];
                    for (int s = Interlocked.Increment(ref next); s < n; s = Interlocked.Increment(ref next))
                    {
                        float reading = Sensors.Reading(s, step, steps);
                        var grain = grains.GetGrain<IRnnStreamGrain<TModel>>($"{clusterId}/sensor-{s}");
                        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
                        while (true)
                        {
                            long started = Stopwatch.GetTimestamp();
                            try
                            {
                                StepResult result = await grain.StepAtAsync(step, [reading]);
                                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                                if (result.Replayed) Interlocked.Increment(ref replayed);
                                if (step > 4 && MathF.Abs(reading - prediction[s]) > Threshold)
                                {
                                    if (Sensors.HasAnomaly(s) && step == Sensors.AnomalyStep(steps)) caught[s] = true;
                                    else if (!(Sensors.HasAnomaly(s) && step == Sensors.AnomalyStep(steps) + 1)) falseAlarm[s] = true;
                                }
                                prediction[s] = result.Output[0];
                                if (lastSilo[s] is { } before && config.StopSilo && step > steps / 2 && before != result.Silo) moved[s] = true;
                                lastSilo[s] = result.Silo;
                                applied[s] = result.Sequence;
                                if (config.StopSilo && step > steps / 2 && result.WeightsVersion != UpdatedVersion) Interlocked.Increment(ref staleSteps);
                                if (sampled.TryGetValue(s, out float[]? outputs)) outputs[step - 1] = result.Output[0];
                                break;
                            }
                            catch (Exception) when (Stopwatch.GetTimestamp() < deadline)
                            {
                                Interlocked.Increment(ref retries);
                                await Task.Delay(50);
                            }
                        }
                    }
                })));
            }
            double seconds = clock.Elapsed.TotalSeconds;
            if (stopping is not null) await stopping;

            // Recovered: the streams that were on the stopped silo went on to apply every step.
            int movedCount = 0, recovered = 0;
            for (int s = 0; s < n; s++)
            {
                if (!moved[s]) continue;
                movedCount++;
                StreamStatus status = await grains.GetGrain<IRnnStreamGrain<TModel>>($"{clusterId}/sensor-{s}").GetStatusAsync();
                if (status.Steps == steps && applied[s] == steps) recovered++;
            }

            // The sampled streams, stepped alone in this process on the same weights.
            var reference = new TModel();
            reference.LoadSafetensors(config.WeightsPath);
            int mismatches = 0;
            var state = new TState[1];
            foreach (var (s, outputs) in sampled)
            {
                reference.ResetState(state);
                var y = new float[1];
                for (int t = 1; t <= steps; t++)
                {
                    reference.Step(state, [Sensors.Reading(s, t, steps)], y);
                    if (BitConverter.SingleToInt32Bits(y[0]) != BitConverter.SingleToInt32Bits(outputs[t - 1])) { mismatches++; break; }
                }
            }

            long batches = 0, batchedSteps = 0;
            int largest = 0;
            foreach (IHost h in silos)
            {
                BatchStatistics b = h.Services.GetRequiredService<RnnModelHost<TModel>>().Statistics;
                batches += b.Batches; batchedSteps += b.Steps; largest = Math.Max(largest, b.LargestBatch);
            }
            double[] all = latencies.SelectMany(l => l).Order().ToArray();
            await clientHost.StopAsync();
            await silos[0].StopAsync();
            foreach (IHost h in silos) h.Dispose();

            int injected = Enumerable.Range(0, n).Count(Sensors.HasAnomaly);
            return new FleetRun((long)n * steps, seconds, all[all.Length / 2], all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))],
                batches, batches == 0 ? 0 : (double)batchedSteps / batches, largest, movedCount, recovered, retries, replayed,
                injected, caught.Count(c => c), falseAlarm.Count(f => f), sampled.Count, mismatches, applied.All(a => a == steps),
                release, updatedSilos, staleSteps);
        }
    }
}
