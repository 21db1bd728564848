namespace RnnGen.Generators;

/// <summary>Names of the incremental pipeline steps (tests assert they are Cached/Unchanged after unrelated edits).</summary>
public static class TrackingNames
{
    /// <summary>[RnnModel] class → ParseResult.</summary>
    public const string Parse = nameof(Parse);
    /// <summary>ParseResult → diagnostics.</summary>
    public const string Diagnostics = nameof(Diagnostics);
    /// <summary>A layer attribute → RNNG020 when its type has no [RnnModel].</summary>
    public const string StrayLayers = nameof(StrayLayers);
    /// <summary>ParseResult → valid ModelSpec.</summary>
    public const string Models = nameof(Models);
    /// <summary>The project directory, where relative weights paths start.</summary>
    public const string WeightFiles = nameof(WeightFiles);
    /// <summary>ModelSpec + the weights file it names (if any), read again for every compilation and compared by content.</summary>
    public const string ModelsWithWeights = nameof(ModelsWithWeights);
    /// <summary>A stamp new with every compilation: what makes <see cref="ModelsWithWeights"/> re-read the file.</summary>
    public const string Build = nameof(Build);
    /// <summary>ModelSpec + its baked parameters, or the weights file's problems.</summary>
    public const string Baked = nameof(Baked);
    /// <summary>The weights file's problems, located on [RnnModel].</summary>
    public const string WeightsDiagnostics = nameof(WeightsDiagnostics);
}
