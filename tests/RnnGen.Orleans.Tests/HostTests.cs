namespace RnnGen.Orleans.Tests;

/// <summary>The silo's weights host and batcher, without a cluster.</summary>
public class HostTests
{
    private static RnnModelHost<ServedLstm, ServedLstm.State> Host(Action<RnnServingOptions>? configure = null)
    {
        var options = new RnnServingOptions();
        configure?.Invoke(options);
        return new RnnModelHost<ServedLstm, ServedLstm.State>(new ModelWeights<ServedLstm>(ServedLstm.WithSeed(1), "v1"), () => new ServedLstm(), options);
    }

    private static async Task<float[][][]> StepStreams(RnnModelHost<ServedLstm> host, int streams, int steps)
    {
        var states = new float[streams][];
        var versions = new string[streams];
        var outputs = new float[streams][][];
        for (int s = 0; s < streams; s++) { states[s] = host.InitialState(); versions[s] = ""; outputs[s] = new float[steps][]; }
        for (int t = 1; t <= steps; t++)
        {
            var tasks = new Task<string>[streams];
            for (int s = 0; s < streams; s++)
            {
                outputs[s][t - 1] = new float[host.OutputSize];
                tasks[s] = host.StepAsync(states[s], versions[s], Inputs.For(s, t), outputs[s][t - 1]);
            }
            for (int s = 0; s < streams; s++) versions[s] = await tasks[s];
        }
        return outputs;
    }

    [Theory]
    [InlineData(true, 32)]
    [InlineData(true, 3)]
    [InlineData(false, 32)]
    public async Task Batched_steps_are_bit_identical_to_stepping_alone(bool batching, int tile)
    {
        var host = Host(o => { o.Batching = batching; o.Tile = tile; o.MaxBatch = 100; o.BatchWindow = TimeSpan.FromSeconds(10); o.CloseWhenQuiet = false; });
        float[][][] outputs = await StepStreams(host, 100, 5);
        var reference = ServedLstm.WithSeed(1);
        for (int s = 0; s < 100; s++)
        {
            float[][] expected = Inputs.Reference(reference, s, 5);
            for (int t = 0; t < 5; t++) Assert.Equal(expected[t], outputs[s][t]);
        }
        BatchStatistics stats = host.Statistics;
        Assert.Equal(500, stats.Steps);
        if (batching)
        {
            Assert.Equal(5, stats.Batches);   // every step's 100 streams in one batch: the count bound closed it
            Assert.Equal(100, stats.LargestBatch);
        }
        else Assert.Equal(500, stats.Batches);
    }

    [Fact]
    public async Task A_batch_closes_at_its_window()
    {
        var host = Host(o => { o.MaxBatch = 1000; o.BatchWindow = TimeSpan.FromMilliseconds(20); o.CloseWhenQuiet = false; });
        var output = new float[host.OutputSize];
        var started = System.Diagnostics.Stopwatch.StartNew();
        await host.StepAsync(host.InitialState(), "", Inputs.For(0, 1), output);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(20), $"closed after {started.Elapsed}");
        Assert.Equal(1, host.Statistics.Batches);
    }

    [Fact]
    public async Task Wrong_sizes_name_expected_and_actual()
    {
        var host = Host();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => host.StepAsync(host.InitialState(), "", new float[5], new float[3]));
        Assert.Contains("5", e.Message);
        Assert.Contains("expected 4", e.Message);
        Assert.Throws<ArgumentException>(() => Host(o => o.Tile = 0));
        Assert.Throws<ArgumentException>(() => Host(o => o.WriteEvery = 0));
    }

    [Theory]
    [InlineData(WeightsUpdateBehavior.KeepState)]
    [InlineData(WeightsUpdateBehavior.ResetState)]
    public async Task A_weights_update_applies_from_the_next_step(WeightsUpdateBehavior behavior)
    {
        var host = Host(o => o.OnWeightsUpdate = behavior);
        float[] state = host.InitialState();
        var output = new float[host.OutputSize];
        Assert.Equal("v1", await host.StepAsync(state, "", Inputs.For(0, 1), output));
        Assert.Equal("v1", await host.StepAsync(state, "v1", Inputs.For(0, 2), output));
        host.UpdateWeights(ServedLstm.WithSeed(2), "v2");
        Assert.Equal("v2", await host.StepAsync(state, "v1", Inputs.For(0, 3), output));

        // Expected: two steps on v1, then the third on v2 from the carried state or from the initial state.
        ServedLstm v1 = ServedLstm.WithSeed(1), v2 = ServedLstm.WithSeed(2);
        var s = default(ServedLstm.State);
        var expected = new float[3];
        v1.Step(ref s, Inputs.For(0, 1), expected);
        v1.Step(ref s, Inputs.For(0, 2), expected);
        if (behavior == WeightsUpdateBehavior.ResetState) s = default;
        v2.Step(ref s, Inputs.For(0, 3), expected);
        Assert.Equal(expected, output);
        Assert.Equal(ServedLstm.Values(ref s).ToArray(), state);
    }

    [Fact]
    public void Weights_load_from_a_safetensors_file_with_their_version()
    {
        var host = Host();
        string folder = Directory.CreateTempSubdirectory("rnngen-orleans-").FullName;
        try
        {
            string path = Path.Combine(folder, "v2.safetensors");
            ServedLstm.WithSeed(2).SaveSafetensors(path);
            ServedLstm before = host.Weights.Model;
            host.LoadWeights(path, "v2");
            Assert.Equal("v2", host.Weights.Version);
            Assert.NotSame(before, host.Weights.Model);
            Assert.Equal(ServedLstm.WithSeed(2).Parameters.ToArray(), host.Weights.Model.Parameters.ToArray());
            Assert.Equal(ServedLstm.WithSeed(1).Parameters.ToArray(), before.Parameters.ToArray());   // the old instance is untouched

            string bad = Path.Combine(folder, "bad.safetensors");
            File.WriteAllBytes(bad, [1, 2, 3]);
            var e = Assert.Throws<InvalidDataException>(() => host.LoadWeights(bad, "v3"));
            Assert.StartsWith(bad, e.Message);
            Assert.Equal("v2", host.Weights.Version);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
