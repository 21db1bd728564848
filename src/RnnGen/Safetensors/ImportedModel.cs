namespace RnnGen.Safetensors;

/// <summary>
/// The network of a checkpoint (see <see cref="PyTorchImport.Infer(SafetensorsFile)"/>): the spec RnnGen saved in the file, or one
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

    /// <summary>
    /// The parameters in <see cref="NetworkSpec.ParameterLayout"/> order, for a model read from another framework's file
    /// (see <see cref="ImportedWeights"/>); null for a safetensors checkpoint, whose tensors are loaded through
    /// <see cref="NameMap"/>.
    /// </summary>
    public float[]? Parameters { get; init; }

    /// <summary>What each RnnGen tensor came from, one line per tensor (<c>layers.0.weight_ih_l0 [20, 3] ← …</c>), as
    /// <c>rnngen import</c> prints them.</summary>
    public IReadOnlyList<string> Mapped { get; init; } = [];

    /// <summary>
    /// Writes <see cref="Parameters"/> to <paramref name="path"/> as a safetensors file with RnnGen's names and the spec
    /// in its metadata (as <c>SaveSafetensors</c> does), atomically: loadable with the plain <c>LoadSafetensors</c> and
    /// usable as <c>[RnnModel(Weights = …)]</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model has no <see cref="Spec"/> or <see cref="Parameters"/>.</exception>
    public void SaveWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Spec is null || Parameters is null)
            throw new InvalidOperationException("this model carries no parameters: it was inferred from a checkpoint's names, which loads through NameMap.");
        ParameterIO.Save(path, Spec, Parameters);
    }
}
