namespace RnnGen.Geometry;

/// <summary>
/// The size limits both sides enforce: <see cref="NetworkSpec"/> and <see cref="LayerSpec"/> publish them as their
/// constants, and the generator (which links this file) reports RNNG003 / RNNG016 against them.
/// </summary>
internal static class Limits
{
    /// <summary>Largest hidden size, unit count, embedding width or input size.</summary>
    public const int MaxWidth = 8192;

    /// <summary>Largest embedding vocabulary.</summary>
    public const int MaxVocabulary = 1 << 22;

    /// <summary>Most layers in one network.</summary>
    public const int MaxLayers = 16;

    /// <summary>Largest MaxSteps.</summary>
    public const int MaxSequenceLength = 1 << 20;

    /// <summary>Most parameters in one network (one flat float buffer).</summary>
    public const long MaxParameterCount = int.MaxValue / 2;

    /// <summary>The largest skip delay of an Rnn layer (a delay of 1 is W_hh itself, so the smallest is 2).</summary>
    public const int MaxSkipDelay = 1024;

    /// <summary>The largest clockwork cycle (least common multiple of the periods): the step counter a clockwork
    /// layer keeps in its state is a float, exact up to 2^24.</summary>
    public const int MaxClockCycle = 1 << 24;

    /// <summary>The largest BPTT cache, in floats (one array).</summary>
    public const long MaxCacheFloats = int.MaxValue;

    /// <summary>Cache floats each step records per output float in the reference runtime's BPTT estimate.</summary>
    public const int CacheFloatsPerOutput = 8;
}
