using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Tests that measure the whole process (GC.GetTotalAllocatedBytes counts every thread, and the trainer's
/// workers are other threads): they run alone, after the parallel tests, so other tests' allocations are not counted.</summary>
[CollectionDefinition(nameof(ProcessWideMeasurements), DisableParallelization = true)]
public sealed class ProcessWideMeasurements;

[Collection(nameof(ProcessWideMeasurements))]
public class TrainerAllocationTests
{
    [Fact]
    public void Training_allocates_nothing_per_update_once_warmed_up()
    {
        Sequence[] data = TrainerTests.RandomSequences(400, 9);
        // Whole runs of 10 and 40 updates: the difference is what 30 updates allocate.
        long Whole(int updates)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            using var trainer = new Trainer(() => new TrainerLstm(), new Adam(0.01f),
                new TrainerOptions { BatchSize = 8, Epochs = 1, Workers = 2, MaxUpdates = updates, ClipNorm = 1, ClipValue = 0.1f });
            trainer.Fit(data);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        _ = Whole(5);   // warm-up: JIT, tiering
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3 && least > 0; attempt++)
            least = Math.Min(least, Whole(40) - Whole(10));
        Assert.True(least <= 0, $"30 more updates allocated {least} bytes");
    }
}
