using System.Diagnostics;
using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>
/// Crash safety: a separate process (tests/RnnGen.CheckpointWriter) trains with a ~9 MB checkpoint
/// after every update; it is killed while a checkpoint is being written (its temporary file exists), until three kills
/// have landed inside a write, each run resuming from the last checkpoint. Every time, the checkpoint at the real path must be the previous complete one
/// (it loads, with its optimizer state, and its update count never goes back); the dead writer's half-written temporary
/// file is swept by the next write.
/// </summary>
public sealed class CheckpointKillTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_writer_killed_mid_checkpoint_leaves_the_previous_checkpoint_intact()
    {
        string path = Path.Combine(_dir, "run.safetensors");
        long previous = 0;
        int killedMidWrite = 0;
        int round = 0;
        for (; round < 20 && killedMidWrite < 3; round++)   // until three kills have landed inside a write
        {
            using Process writer = Start(path);
            try
            {
                // Wait for a complete checkpoint of this run, then for the next write to be under way.
                string? line;
                while ((line = writer.StandardOutput.ReadLine()) is not null && !line.StartsWith("checkpoint", StringComparison.Ordinal)) { }
                Assert.NotNull(line);
                var clock = Stopwatch.StartNew();
                while (!File.Exists(path + ".json") && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(1);   // the first checkpoint is whole
                while (Mine(writer.Id).Length == 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.SpinWait(200);   // a write under way
                writer.Kill(entireProcessTree: true);
                Assert.True(writer.WaitForExit(30_000), "the writer did not die");
                if (Mine(writer.Id).Length > 0) killedMidWrite++;   // it died with its temporary file still there
            }
            finally
            {
                if (!writer.HasExited) writer.Kill(entireProcessTree: true);
            }

            // The checkpoint at the real path is complete: it loads with its optimizer state, and it is not older.
            using var trainer = new Trainer(() => new ReferenceNetwork(Spec), new Adam(1e-3f), new TrainerOptions { BatchSize = 4, Seed = 1, CheckpointPath = path });
            trainer.LoadCheckpoint(path);
            Assert.True(trainer.UpdateCount >= previous && trainer.UpdateCount > 0, $"round {round}: update {trainer.UpdateCount} after {previous}");
            previous = trainer.UpdateCount;
        }
        Assert.True(killedMidWrite >= 3, $"only {killedMidWrite} of {round} kills landed while a checkpoint was being written");
        Assert.NotEmpty(Temporaries());   // what the last killed writer left behind

        // The next write (any process) removes the dead writers' temporary files and leaves only whole files.
        RnnGen.Safetensors.AtomicFile.Write(path, stream => stream.Write(File.ReadAllBytes(path)));
        RnnGen.Safetensors.AtomicFile.Write(path + ".json", stream => stream.Write(File.ReadAllBytes(path + ".json")));
        Assert.Empty(Temporaries());
        var network = new ReferenceNetwork(Spec);
        network.LoadSafetensors(path, new Dictionary<string, string>(), ignoreUnusedTensors: true);
    }

    private static readonly NetworkSpec Spec = new(8, [LayerSpec.Lstm(256), LayerSpec.Dense(1)], maxSteps: 4);

    private string[] Temporaries() => Directory.GetFiles(_dir, ".run.safetensors.*.tmp");

    /// <summary>Temporary files of one writer process (the checkpoint's or its JSON's).</summary>
    private string[] Mine(int pid) => Temporaries().Where(f => f.Contains($".{pid}.", StringComparison.Ordinal)).ToArray();

    private static Process Start(string path)
    {
        string dll = Repository.Built(Path.Combine("tests", "RnnGen.CheckpointWriter"), "RnnGen.CheckpointWriter");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add(path);
        return Process.Start(start)!;
    }
}
