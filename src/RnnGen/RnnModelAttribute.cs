namespace RnnGen;

// Read by the RnnGen source generator (by metadata name); layers apply in declaration order.
/// <summary>Marks a <c>partial class</c> as a recurrent network whose code RnnGen generates at compile time.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnModelAttribute : Attribute
{
    /// <summary>Floats per input step. Omit (0) when the first layer is an <see cref="EmbeddingAttribute"/>.</summary>
    public int InputSize { get; set; }
    /// <summary>Longest sequence <c>Forward</c> accepts; buffers for BPTT are sized for it.</summary>
    public int MaxSteps { get; set; }
    /// <summary>The loss <c>Backward</c> computes.</summary>
    public LossKind Loss { get; set; } = LossKind.MeanSquaredError;
    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; set; } = Reduction.Mean;
    /// <summary>Every step produces an output, or only the last.</summary>
    public OutputMode Output { get; set; } = OutputMode.EveryStep;
    /// <summary>
    /// A safetensors file (with RnnGen's tensor names, as <c>SaveSafetensors</c> writes them; a relative path starts at
    /// the project directory) whose parameters the generator bakes into the assembly as constant data: every new instance
    /// starts with them, with no file I/O at run time. A missing file is RNNG018; a missing tensor, a wrong shape or a bad
    /// file is RNNG019 naming the tensor. (The file is read by the generator, not passed as an AdditionalFile: the compiler
    /// refuses binary AdditionalFiles, CS2015.)
    /// </summary>
    public string? Weights { get; set; }
}
