using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>What a user meets around <see cref="Trainer.Fit"/>: every call trains, checkpoints go where they are asked
/// to, and a checkpoint loads as plain weights.</summary>
public sealed class TrainerRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-run").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TrainerOptions Options() => new()
    {
        BatchSize = 8, Epochs = 2, Seed = 3, Workers = 1, Shards = 2, ValidationFraction = 0,
        Schedule = LearningRateSchedule.Cosine(1e-3f, warmupUpdates: 1),
    };

    [Fact]
    public void A_second_fit_trains_again_for_its_epochs_like_keras()
    {
        Sequence[] data = TrainerTests.RandomSequences(20, 11), other = TrainerTests.RandomSequences(12, 12);
        using var trainer = new Trainer(() => new TrainerLstm(), new Sgd(0.05f), Options());
        TrainingResult first = trainer.Fit(data);
        Assert.Equal(6, first.Updates);   // 3 batches × 2 epochs
        float[] afterFirst = trainer.Model.Parameters.ToArray();

        TrainingResult second = trainer.Fit(data);
        Assert.Equal(6, second.Updates);
        Assert.Equal(2, second.Epochs);
        Assert.Equal("completed all epochs", second.StopReason);
        Assert.Equal(12, trainer.UpdateCount);
        Assert.NotEqual(afterFirst, trainer.Model.Parameters.ToArray());

        // Exactly what a fresh trainer does from the first run's weights (SGD keeps no state between runs).
        using var fresh = new Trainer(() => new TrainerLstm(), new Sgd(0.05f), Options());
        afterFirst.CopyTo(fresh.Model.Parameters);
        fresh.Fit(data);
        Assert.Equal(fresh.Model.Parameters.ToArray(), trainer.Model.Parameters.ToArray());

        // Other data: trains on it (no "resume with the same data" refusal).
        TrainingResult third = trainer.Fit(other);
        Assert.Equal(4, third.Updates);   // 2 batches × 2 epochs
        Assert.Equal(16, trainer.UpdateCount);
    }

    [Fact]
    public void A_fit_after_a_cancelled_fit_trains_its_full_epochs()
    {
        Sequence[] data = TrainerTests.RandomSequences(20, 13);
        using var cancel = new CancellationTokenSource();
        using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f),
            Options() with { Progress = new TrainerTests.InlineProgress(p => { if (p.Update == 2) cancel.Cancel(); }) });
        Assert.Equal("cancelled", trainer.Fit(data, cancellation: cancel.Token).StopReason);
        trainer.Progress = null;
        TrainingResult again = trainer.Fit(data);
        Assert.Equal(6, again.Updates);
        Assert.Equal(2, again.History.Count);
        Assert.Equal(8, trainer.UpdateCount);
    }

    [Fact]
    public void A_second_fit_stream_trains_again()
    {
        int[] tokens = Enumerable.Range(0, 4 * 30 + 1).Select(i => i % 7).ToArray();
        var options = new TrainerOptions { BatchSize = 4, Epochs = 1, TbpttK1 = 10, Workers = 1, Shards = 1, Seed = 2 };
        using var trainer = new Trainer(() => new TinyCharModel(), new Adam(0.01f), options);
        Assert.Equal(3, trainer.FitStream(SequenceStream.NextToken(tokens)).Updates);
        float[] before = trainer.Model.Parameters.ToArray();
        Assert.Equal(3, trainer.FitStream(SequenceStream.NextToken(tokens)).Updates);
        Assert.NotEqual(before, trainer.Model.Parameters.ToArray());
        Assert.Equal(6, trainer.UpdateCount);
    }

    [Fact]
    public void A_checkpoint_into_a_folder_that_does_not_exist_yet_creates_the_folder()
    {
        string path = Path.Combine(_folder, "runs", "today", "model.safetensors");
        using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options() with { CheckpointPath = path, CheckpointEvery = 2 });
        trainer.Fit(TrainerTests.RandomSequences(20, 14));
        Assert.True(File.Exists(path));
        Assert.True(File.Exists(path + ".json"));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void A_checkpoint_write_failure_names_the_path_given_not_the_temporary_file()
    {
        // The folder cannot be created: a file stands where it should be.
        string blocker = Path.Combine(_folder, "blocker");
        File.WriteAllText(blocker, "a file, not a folder");
        string underFile = Path.Combine(blocker, "model.safetensors");
        using (var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options() with { CheckpointPath = underFile }))
        {
            var e = Assert.ThrowsAny<IOException>(() => trainer.Fit(TrainerTests.RandomSequences(20, 15)));
            Assert.Contains(underFile, e.Message);
            Assert.DoesNotContain(".tmp", e.Message);
        }

        // The rename fails: the path is a folder.
        string folderPath = Directory.CreateDirectory(Path.Combine(_folder, "model.safetensors")).FullName;
        using (var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options() with { CheckpointPath = folderPath }))
        {
            Exception e = Record.Exception(() => trainer.Fit(TrainerTests.RandomSequences(20, 15)));
            Assert.True(e is IOException or UnauthorizedAccessException, e?.ToString());
            Assert.Contains(folderPath, e!.Message);
            Assert.DoesNotContain(".tmp", e.Message);
        }
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_trainer_checkpoint_loads_with_plain_LoadSafetensors()
    {
        string path = Path.Combine(_folder, "checkpoint.safetensors");
        using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f), Options() with { CheckpointPath = path, Patience = 5, RestoreBestParameters = true, ValidationFraction = 0.25 });
        trainer.Fit(TrainerTests.RandomSequences(20, 16));
        Assert.Contains(SafetensorsFileTensors(path), n => n.StartsWith("optimizer.", StringComparison.Ordinal));

        var generated = new TrainerLstm();
        generated.LoadSafetensors(path);
        Assert.Equal(trainer.Model.Parameters.ToArray(), generated.Parameters.ToArray());
        var reference = new ReferenceNetwork(TrainerLstm.Spec);
        reference.LoadSafetensors(path);
        Assert.Equal(trainer.Model.Parameters.ToArray(), reference.Parameters.ToArray());
    }

    [Fact]
    public void A_name_mismatch_says_which_option_loads_the_file_anyway()
    {
        var bigger = new ReferenceNetwork(new NetworkSpec(3, [LayerSpec.Lstm(8), LayerSpec.Dense(2), LayerSpec.Dense(2)], 12));
        string extra = Path.Combine(_folder, "bigger.safetensors");
        bigger.SaveSafetensors(extra);
        var e = Assert.Throws<InvalidDataException>(() => new TrainerLstm().LoadSafetensors(extra));
        Assert.Contains("extra tensor layers.2.weight", e.Message);
        Assert.Contains("ignoreUnusedTensors: true", e.Message);

        var renamed = new Dictionary<string, string>();
        foreach (ParameterTensor t in TrainerLstm.Spec.ParameterLayout) renamed[t.Name] = "model." + t.Name;
        var model = new TrainerLstm();
        model.InitializeParameters(1);
        string prefixed = Path.Combine(_folder, "prefixed.safetensors");
        RnnGen.Safetensors.SafetensorsFile.WriteFloat32(prefixed,
            TrainerLstm.Spec.ParameterLayout.Select(t => ("model." + t.Name, t.Shape, (ReadOnlyMemory<float>)model.Parameters.Slice(t.Offset, t.Length).ToArray())),
            new Dictionary<string, string>());
        var missing = Assert.Throws<InvalidDataException>(() => new TrainerLstm().LoadSafetensors(prefixed));
        Assert.Contains("missing tensor layers.0.weight_ih_l0", missing.Message);
        Assert.Contains("nameMap", missing.Message);
        var loaded = new TrainerLstm();
        loaded.LoadSafetensors(prefixed, renamed);
        Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    private static IEnumerable<string> SafetensorsFileTensors(string path) => RnnGen.Safetensors.SafetensorsFile.Open(path).Tensors.Keys;
}
