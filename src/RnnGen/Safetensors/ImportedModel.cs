namespace RnnGen.Safetensors;

/// <summary>
/// The network of a checkpoint (see <see cref="PyTorchImport.Infer"/>): the spec RnnGen saved in the file, or one
/// inferred from the tensor names and shapes of a PyTorch state_dict.
/// </summary>
/// <param name="InputSize">Floats per step (0 when the first layer is an Embedding).</param>
/// <param name="Layers">The layers in data-flow order.</param>
/// <param name="NameMap">RnnGen tensor name → the checkpoint's name, for <c>LoadSafetensors(path, nameMap)</c>.</param>
/// <param name="Notes">What the checkpoint cannot say (activations, loss) and any ambiguity met while ordering modules.</param>
public sealed record ImportedModel(int InputSize, IReadOnlyList<LayerSpec> Layers, IReadOnlyDictionary<string, string> NameMap, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The network spec RnnGen stored in the file (<see cref="ParameterIO.SpecMetadataKey"/> metadata, written by
    /// <c>SaveSafetensors</c> and by trainer checkpoints), or null for a file without it. When present, the layers,
    /// activations, loss, reduction, output mode and MaxSteps are the saved ones rather than inferred.
    /// </summary>
    public NetworkSpec? Spec { get; init; }

    /// <summary>File tensors that are not parameters of the network (a trainer checkpoint's optimizer state, …), which
    /// loading must ignore (<c>ignoreUnusedTensors: true</c>).</summary>
    public IReadOnlyList<string> UnusedTensors { get; init; } = [];

    /// <summary>Stand-in: parameters in spec.ParameterLayout order.</summary>
    public float[]? Parameters { get; init; }

    /// <summary>Stand-in: mapped lines.</summary>
    public IReadOnlyList<string> Mapped { get; init; } = [];
}
