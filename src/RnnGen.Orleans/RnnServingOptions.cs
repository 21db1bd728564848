namespace RnnGen.Orleans;

/// <summary>What a stream does when the silo's weights change between two of its steps.</summary>
public enum WeightsUpdateBehavior
{
    /// <summary>The stream keeps its recurrent state and steps on with the new weights.</summary>
    KeepState,

    /// <summary>The stream starts again from the initial state at its first step on the new weights.</summary>
    ResetState,
}

/// <summary>How a silo serves the streams of one model.</summary>
public sealed class RnnServingOptions
{
    /// <summary>Step co-located streams together (default); false steps each call alone, as it arrives.</summary>
    public bool Batching { get; set; } = true;

    /// <summary>The longest a step waits for others to join its batch (default 1 ms). A batch closes earlier when it is
    /// full or when no step joined it since the last look.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Close a batch as soon as no step joined it since the last look (default true), so that a quiet silo
    /// adds next to no latency; false waits for the window or the count bound.</summary>
    public bool CloseWhenQuiet { get; set; } = true;

    /// <summary>The most steps in one batch (default 256).</summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>Streams per many-stream <c>Step</c> call (default 32); a batch is stepped in tiles of this many.</summary>
    public int Tile { get; set; } = 32;

    /// <summary>Write a stream's state to grain storage every this many steps (default 1: every step, before the step's
    /// result is returned). With k &gt; 1 up to k − 1 steps are lost when a silo dies (see the serving docs).</summary>
    public int WriteEvery { get; set; } = 1;

    /// <summary>What a stream does when the weights change under it (default <see cref="WeightsUpdateBehavior.KeepState"/>).</summary>
    public WeightsUpdateBehavior OnWeightsUpdate { get; set; } = WeightsUpdateBehavior.KeepState;

    /// <summary>How long a starting silo keeps trying to read the cluster's current weights release before its start
    /// fails (default 1 minute); its steps wait meanwhile.</summary>
    public TimeSpan WeightsSyncTimeout { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (BatchWindow < TimeSpan.Zero) throw new ArgumentException($"BatchWindow must be ≥ 0, was {BatchWindow}.", nameof(BatchWindow));
        if (MaxBatch < 1) throw new ArgumentException($"MaxBatch must be ≥ 1, was {MaxBatch}.", nameof(MaxBatch));
        if (Tile < 1) throw new ArgumentException($"Tile must be ≥ 1, was {Tile}.", nameof(Tile));
        if (WriteEvery < 1) throw new ArgumentException($"WriteEvery must be ≥ 1, was {WriteEvery}.", nameof(WriteEvery));
    }
}
