using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace RnnGen.Orleans.Tests;

/// <summary>Every silo of the test clusters: the served model on seed-1 weights ("v1"), state in one store of the
/// process (it outlives a killed silo), quick failure detection.</summary>
public sealed class SiloConfigurator : ISiloConfigurator
{
    public static readonly ProcessStateStore Store = new();

    public void Configure(ISiloBuilder silo)
    {
        silo.Services.AddKeyedSingleton<global::Orleans.Storage.IGrainStorage>(RnnStreamGrain.StorageName,
            (sp, _) => new LosingStorage(new ProcessGrainStorage(Store, sp.GetRequiredService<global::Orleans.Serialization.Serializer>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId)));
        silo.AddRnnModel<ServedLstm, ServedLstm.State>(() => ServedLstm.WithSeed(1), "v1", configure: o => o.WriteEvery = WriteEvery(silo));
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 1;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        });
    }

    private static int WriteEvery(ISiloBuilder silo) =>
        int.TryParse(silo.Configuration["RnnGen:WriteEvery"], out int k) ? k : 1;
}

/// <summary>The process store, except that one chosen write is stored and then reported failed: what a caller sees when
/// a silo dies after writing a step's state and before answering.</summary>
public sealed class LosingStorage(ProcessGrainStorage inner) : global::Orleans.Storage.IGrainStorage
{
    /// <summary>The stream (grain key) and step count whose write is stored and then reported failed, once.</summary>
    public static (string Stream, long Steps)? LoseReplyOf;

    /// <summary>The stream and step count whose write fails before anything is stored, once.</summary>
    public static (string Stream, long Steps)? FailWriteOf;

    public Task ReadStateAsync<T>(string stateName, global::Orleans.Runtime.GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, global::Orleans.Runtime.GrainId grainId, IGrainState<T> grainState)
    {
        if (FailWriteOf is { } fail && grainState.State is RnnStreamState s && grainId.Key.ToString() == fail.Stream && s.Steps == fail.Steps)
        {
            FailWriteOf = null;
            throw new IOException($"{fail.Stream}: the storage refused the write of step {fail.Steps}.");
        }
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (LoseReplyOf is { } lose && grainState.State is RnnStreamState state && grainId.Key.ToString() == lose.Stream && state.Steps == lose.Steps)
        {
            LoseReplyOf = null;
            throw new IOException($"{lose.Stream}: the reply to the write of step {lose.Steps} was lost.");
        }
    }

    public Task ClearStateAsync<T>(string stateName, global::Orleans.Runtime.GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

public sealed class ClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
        client.AddRnnModelClient<ServedLstm>().Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
}

/// <summary>Three silos serving the model; one is killed in the middle of a run of a thousand streams.</summary>
[Collection("cluster")]
public class ClusterTests
{
    internal static async Task<TestCluster> Start(int silos, int writeEvery = 1, bool tcp = false)
    {
        var builder = new TestClusterBuilder((short)silos);
        if (tcp) builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.Properties["RnnGen:WriteEvery"] = writeEvery.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        TestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static IRnnStreamGrain<ServedLstm> Stream(IClusterClient client, string id) => client.GetGrain<IRnnStreamGrain<ServedLstm>>(id);

    /// <summary>A client of its own (its own host and <see cref="IClusterClient"/>), connected over TCP to every
    /// gateway of <paramref name="cluster"/> with the cluster's ids: what a separate client process does.</summary>
    internal static async Task<IHost> Client(TestCluster cluster)
    {
        IPEndPoint[] gateways = cluster.Silos.Select(s => s.GatewayAddress.Endpoint).ToArray();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(gateways);
            client.Configure<ClusterOptions>(o => { o.ClusterId = cluster.Options.ClusterId; o.ServiceId = cluster.Options.ServiceId; });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            client.AddRnnModelClient<ServedLstm>();
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task A_thousand_streams_from_three_clients_match_a_single_process_run_after_a_silo_is_killed()
    {
        const int streams = 1000, steps = 12, clients = 3, killAfter = 6;
        // TCP between silos and clients: TestCluster's default in-memory transport is private to the cluster's own
        // client, so a client built outside it cannot reach the gateways.
        await using TestCluster cluster = await Start(3, tcp: true);
        var hosts = new IHost[clients];
        for (int c = 0; c < clients; c++) hosts[c] = await Client(cluster);
        IClusterClient[] grains = hosts.Select(h => h.Services.GetRequiredService<IClusterClient>()).ToArray();
        var outputs = new float[streams][][];
        for (int s = 0; s < streams; s++) outputs[s] = new float[steps][];
        int replayed = 0, retried = 0;
        var perClient = new int[clients];

        // Step t of stream s is sent by client (s + t) mod 3, so every stream is stepped by all three clients in turn;
        // a failed call is sent again, by the same client, with the same step number.
        async Task Step(int c, int t)
        {
            var calls = new List<Task>();
            for (int s = (c - t % clients + clients) % clients; s < streams; s += clients)
            {
                int stream = s;
                calls.Add(Task.Run(async () =>
                {
                    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                    while (true)
                    {
                        try
                        {
                            StepResult r = await Stream(grains[c], $"sensor-{stream}").StepAtAsync(t, Inputs.For(stream, t));
                            Assert.Equal(t, r.Sequence);
                            Assert.Equal("v1", r.WeightsVersion);
                            if (r.Replayed) Interlocked.Increment(ref replayed);
                            outputs[stream][t - 1] = r.Output;
                            Interlocked.Increment(ref perClient[c]);
                            return;
                        }
                        catch (Exception e) when (e is not StepSequenceException && e is not Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
                        {
                            Interlocked.Increment(ref retried);
                            await Task.Delay(100);
                        }
                    }
                }));
            }
            await Task.WhenAll(calls);
        }

        try
        {
            Task? kill = null;
            for (int t = 1; t <= steps; t++)
            {
                // The silo dies while the calls of step killAfter + 1 are in flight.
                if (t == killAfter + 1)
                {
                    var victim = cluster.Silos[2];
                    kill = Task.Run(async () => { await Task.Delay(20); await cluster.KillSiloAsync(victim); });
                }
                int step = t;
                await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Step(c, step)));
            }
            await kill!;

            var reference = ServedLstm.WithSeed(1);
            for (int s = 0; s < streams; s++)
            {
                float[][] expected = Inputs.Reference(reference, s, steps);
                for (int t = 0; t < steps; t++) Assert.True(expected[t].AsSpan().SequenceEqual(outputs[s][t]), $"stream {s} step {t + 1}");
                StreamStatus status = await Stream(grains[s % clients], $"sensor-{s}").GetStatusAsync();
                Assert.Equal(steps, status.Steps);
                Assert.Equal(steps, status.StoredSteps);
            }
            Assert.Equal(2, cluster.GetActiveSilos().Count());
            Assert.All(perClient, n => Assert.Equal(streams * steps / clients, n));
            Console.WriteLine($"retried {retried} calls, {replayed} replayed");
        }
        finally
        {
            foreach (IHost h in hosts) { await h.StopAsync(); h.Dispose(); }
        }
    }

    [Fact]
    public async Task A_repeated_step_number_returns_the_stored_result_and_others_are_refused()
    {
        await using TestCluster cluster = await Start(1);
        var stream = Stream(cluster.Client, "repeat-" + Guid.NewGuid());
        var refused = await Assert.ThrowsAsync<StepSequenceException>(() => stream.StepAtAsync(2, Inputs.For(0, 1)));
        Assert.Equal(0, refused.Steps);
        Assert.Equal(2, refused.Requested);

        StepResult first = await stream.StepAtAsync(1, Inputs.For(0, 1));
        StepResult again = await stream.StepAtAsync(1, Inputs.For(0, 1));
        Assert.False(first.Replayed);
        Assert.True(again.Replayed);
        Assert.Equal(first.Output, again.Output);
        Assert.Equal(1, (await stream.GetStatusAsync()).Steps);   // not applied twice

        StepResult second = await stream.StepAtAsync(2, Inputs.For(0, 2));
        float[][] expected = Inputs.Reference(ServedLstm.WithSeed(1), 0, 2);
        Assert.Equal(expected[0], first.Output);
        Assert.Equal(expected[1], second.Output);
        await Assert.ThrowsAsync<StepSequenceException>(() => stream.StepAtAsync(1, Inputs.For(0, 1)));   // older than the last: refused

        await Assert.ThrowsAsync<ArgumentException>(() => stream.StepAtAsync(3, new float[7]));
        Assert.Equal(2, (await stream.GetStatusAsync()).Steps);

        await stream.ResetAsync();
        Assert.Equal(0, (await stream.GetStatusAsync()).Steps);
        Assert.Equal(expected[0], (await stream.StepAtAsync(1, Inputs.For(0, 1))).Output);
        Assert.Equal(expected[1], await stream.StepAsync(Inputs.For(0, 2)));
    }

    [Fact]
    public async Task A_step_stored_but_reported_failed_is_answered_from_storage_when_sent_again()
    {
        await using TestCluster cluster = await Start(1);
        string id = "lost-reply-" + Guid.NewGuid();
        var stream = Stream(cluster.Client, id);
        float[][] expected = Inputs.Reference(ServedLstm.WithSeed(1), 0, 3);
        Assert.Equal(expected[0], (await stream.StepAtAsync(1, Inputs.For(0, 1))).Output);

        LosingStorage.LoseReplyOf = (id, 2);
        await Assert.ThrowsAnyAsync<Exception>(() => stream.StepAtAsync(2, Inputs.For(0, 2)));   // reported failed...
        Assert.Null(LosingStorage.LoseReplyOf);
        StepResult retry = await stream.StepAtAsync(2, Inputs.For(0, 2));                        // ...but it was applied once
        Assert.True(retry.Replayed);
        Assert.Equal(expected[1], retry.Output);
        StepResult third = await stream.StepAtAsync(3, Inputs.For(0, 3));
        Assert.False(third.Replayed);
        Assert.Equal(expected[2], third.Output);
        Assert.Equal(3, (await stream.GetStatusAsync()).Steps);
    }

    [Fact]
    public async Task A_step_whose_write_failed_is_applied_when_sent_again()
    {
        await using TestCluster cluster = await Start(1);
        string id = "failed-write-" + Guid.NewGuid();
        var stream = Stream(cluster.Client, id);
        float[][] expected = Inputs.Reference(ServedLstm.WithSeed(1), 0, 3);
        await stream.StepAtAsync(1, Inputs.For(0, 1));

        LosingStorage.FailWriteOf = (id, 2);
        await Assert.ThrowsAnyAsync<Exception>(() => stream.StepAtAsync(2, Inputs.For(0, 2)));
        Assert.Equal(1, (await stream.GetStatusAsync()).Steps);   // undone: not applied
        StepResult retry = await stream.StepAtAsync(2, Inputs.For(0, 2));
        Assert.False(retry.Replayed);
        Assert.Equal(expected[1], retry.Output);
        Assert.Equal(expected[2], (await stream.StepAtAsync(3, Inputs.For(0, 3))).Output);
    }

    [Fact]
    public async Task Writing_every_k_steps_stores_the_last_multiple_of_k()
    {
        await using TestCluster cluster = await Start(1, writeEvery: 2);
        var stream = Stream(cluster.Client, "every2-" + Guid.NewGuid());
        for (int t = 1; t <= 3; t++) await stream.StepAtAsync(t, Inputs.For(0, t));
        StreamStatus status = await stream.GetStatusAsync();
        Assert.Equal(3, status.Steps);
        Assert.Equal(2, status.StoredSteps);   // the loss window: step 3 is only in memory
        await stream.StepAtAsync(4, Inputs.For(0, 4));
        Assert.Equal(4, (await stream.GetStatusAsync()).StoredSteps);
    }
}
