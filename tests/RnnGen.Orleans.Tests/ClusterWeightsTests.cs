using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.TestingHost;

namespace RnnGen.Orleans.Tests;

/// <summary>Weights updated for the whole cluster through the model's weights grain.</summary>
[Collection("cluster")]
public class ClusterWeightsTests
{
    private static RnnModelHost<ServedLstm> HostOf(SiloHandle silo) =>
        ((InProcessSiloHandle)silo).ServiceProvider.GetRequiredService<RnnModelHost<ServedLstm>>();

    private static float[] ParametersOf(int seed) => ServedLstm.WithSeed(seed).Parameters.ToArray();

    [Fact]
    public async Task An_update_reaches_every_live_silo_before_it_returns_and_every_silo_started_later()
    {
        const int streams = 90, before = 4, minSteps = 12;
        await using TestCluster cluster = await ClusterTests.Start(3);
        IClusterClient client = cluster.Client;
        IRnnWeightsGrain<ServedLstm> weights = client.GetRnnWeights<ServedLstm>();
        string folder = Directory.CreateTempSubdirectory("rnngen-orleans-weights-").FullName;
        try
        {
            string v2 = Path.Combine(folder, "v2.safetensors");
            ServedLstm.WithSeed(2).SaveSafetensors(v2);
            Assert.Null(await weights.GetCurrentAsync());

            // Streams step on without pause, one step at a time each, while the update runs; every step's version and
            // output are kept, with whether it was sent after the update returned.
            var results = new List<(string Version, float[] Output, bool AfterUpdate)>[streams];
            for (int s = 0; s < streams; s++) results[s] = [];
            int updated = 0, started = 0;
            var warm = new TaskCompletionSource();
            async Task Run(int s)
            {
                var stream = client.GetGrain<IRnnStreamGrain<ServedLstm>>($"update-{s}");
                for (int t = 1; t <= minSteps || Volatile.Read(ref updated) == 0 || results[s].Count(r => r.AfterUpdate) < 2; t++)
                {
                    bool after = Volatile.Read(ref updated) == 1;
                    StepResult r = await stream.StepAtAsync(t, Inputs.For(s, t));
                    results[s].Add((r.WeightsVersion, r.Output, after));
                    if (t == before && Interlocked.Increment(ref started) == streams) warm.SetResult();
                }
            }
            Task stepping = Task.WhenAll(Enumerable.Range(0, streams).Select(s => Task.Run(() => Run(s))));
            await warm.Task;

            WeightsRollout rollout = await weights.LoadAsync(v2, "v2");
            Volatile.Write(ref updated, 1);
            Assert.Equal(1, rollout.Number);
            Assert.Equal(3, rollout.Silos.Length);
            foreach (SiloHandle silo in cluster.GetActiveSilos())
            {
                Assert.Equal("v2", HostOf(silo).Weights.Version);
                Assert.Equal(1, HostOf(silo).Release);
                Assert.Equal(ParametersOf(2), HostOf(silo).Weights.Model.Parameters.ToArray());
            }
            await stepping;

            // Every step ran wholly on the version it reports: the outputs equal one instance stepping the same inputs
            // on those versions in turn, bit for bit. A stream goes v1 ... v1 v2 ... v2, and every step sent after the
            // update returned ran on v2.
            var models = new Dictionary<string, ServedLstm> { ["v1"] = ServedLstm.WithSeed(1), ["v2"] = ServedLstm.WithSeed(2) };
            int onV1 = 0, onV2 = 0;
            for (int s = 0; s < streams; s++)
            {
                var state = default(ServedLstm.State);
                bool seenV2 = false;
                for (int t = 1; t <= results[s].Count; t++)
                {
                    var (version, output, after) = results[s][t - 1];
                    if (after) Assert.Equal("v2", version);
                    if (version == "v2") { seenV2 = true; onV2++; } else { Assert.False(seenV2, $"stream {s} step {t} went back to {version}"); onV1++; }
                    var expected = new float[ServedLstm.OutputSize];
                    models[version].Step(ref state, Inputs.For(s, t), expected);
                    Assert.True(expected.AsSpan().SequenceEqual(output), $"stream {s} step {t} on {version}");
                }
            }
            Assert.True(onV1 >= streams * before && onV2 >= streams * 2, $"{onV1} steps on v1, {onV2} on v2");

            // A bad file: every silo stays on v2, the call fails with the reader's exception naming the file.
            string bad = Path.Combine(folder, "bad.safetensors");
            File.WriteAllBytes(bad, [9, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => weights.LoadAsync(bad, "v3"));
            Assert.StartsWith(bad, e.Message);
            Assert.Equal(1, (await weights.GetCurrentAsync())!.Number);
            Assert.All(cluster.GetActiveSilos(), s => Assert.Equal("v2", HostOf(s).Weights.Version));
            string missing = Path.Combine(folder, "missing.safetensors");
            var refusing = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAsync<FileNotFoundException>(() => weights.LoadAsync(missing, "v3"));
            Assert.True(refusing.Elapsed < TimeSpan.FromSeconds(10), $"a missing file took {refusing.Elapsed} to refuse");   // not tried again
            Assert.All(cluster.GetActiveSilos(), s => Assert.Equal("v2", HostOf(s).Weights.Version));

            // A silo started after the update serves the current release from its start.
            SiloHandle added = await cluster.StartAdditionalSiloAsync();
            Assert.Equal("v2", HostOf(added).Weights.Version);
            Assert.Equal(ParametersOf(2), HostOf(added).Weights.Model.Parameters.ToArray());

            // Parameters given as floats reach all four silos; a wrong count changes nothing.
            await Assert.ThrowsAsync<ArgumentException>(() => weights.SetAsync(new float[5], "bad"));
            WeightsRollout third = await weights.SetAsync(ParametersOf(3), "v3");
            Assert.Equal(2, third.Number);
            Assert.Equal(4, third.Silos.Length);
            Assert.All(cluster.GetActiveSilos(), s => Assert.Equal(ParametersOf(3), HostOf(s).Weights.Model.Parameters.ToArray()));
            SiloWeights[] silos = await weights.GetSilosAsync();
            Assert.Equal(4, silos.Length);
            Assert.All(silos, w => { Assert.Equal("v3", w.Version); Assert.Equal(2, w.Release); });

            // The per-silo API still works beside it.
            HostOf(added).UpdateWeights(ServedLstm.WithSeed(4), "local");
            Assert.Equal("local", HostOf(added).Weights.Version);
            Assert.Equal(0, HostOf(added).Release);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_silo_killed_just_before_an_update_is_left_out_and_its_streams_step_on_the_new_release()
    {
        const int streams = 60;
        await using TestCluster cluster = await ClusterTests.Start(3);
        IClusterClient client = cluster.Client;
        string folder = Directory.CreateTempSubdirectory("rnngen-orleans-weights-").FullName;
        try
        {
            string v2 = Path.Combine(folder, "v2.safetensors");
            ServedLstm.WithSeed(2).SaveSafetensors(v2);
            IRnnStreamGrain<ServedLstm> Stream(int s) => client.GetGrain<IRnnStreamGrain<ServedLstm>>($"killed-update-{s}");
            var silosOf = new HashSet<string>();
            for (int s = 0; s < streams; s++) silosOf.Add((await Stream(s).StepAtAsync(1, Inputs.For(s, 1))).Silo);
            Assert.Equal(3, silosOf.Count);   // the streams are spread over all three silos

            // The silo dies; the update starts before the membership has declared it dead. Calls that reach the dead
            // silo (or a weights grain that was on it) fail and are sent again, as a caller does.
            SiloHandle victim = cluster.Silos[2];
            await cluster.KillSiloAsync(victim);
            WeightsRollout? rollout = null;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (rollout is null)
            {
                try { rollout = await client.GetRnnWeights<ServedLstm>().LoadAsync(v2, "v2"); }
                catch (Exception e) when (e is not InvalidDataException && DateTime.UtcNow < deadline) { await Task.Delay(100); }
            }
            Assert.Equal(2, rollout.Silos.Length);
            Assert.DoesNotContain(victim.SiloAddress.ToString(), rollout.Silos);
            Assert.All(cluster.GetActiveSilos(), s => Assert.Equal("v2", HostOf(s).Weights.Version));

            // Every stream, the dead silo's among them, steps on from its stored state on the new release.
            ServedLstm m1 = ServedLstm.WithSeed(1), m2 = ServedLstm.WithSeed(2);
            for (int s = 0; s < streams; s++)
            {
                StepResult r = await Stream(s).StepAtAsync(2, Inputs.For(s, 2));
                Assert.Equal("v2", r.WeightsVersion);
                var state = default(ServedLstm.State);
                var expected = new float[ServedLstm.OutputSize];
                m1.Step(ref state, Inputs.For(s, 1), expected);
                m2.Step(ref state, Inputs.For(s, 2), expected);
                Assert.True(expected.AsSpan().SequenceEqual(r.Output), $"stream {s}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
