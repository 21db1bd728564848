using System.Text.Json;
using System.Text.Json.Serialization;

namespace RnnGen;

/// <summary>
/// An immutable, validated description of a recurrent network: its input (floats per step, or token ids when
/// the first layer is an <see cref="LayerKind.Embedding"/>), its ordered layers, which steps produce outputs,
/// its loss and reduction, and the longest sequence it accepts. Round-trips through JSON
/// (<see cref="ToJson"/> / <see cref="FromJson"/>).
/// </summary>
public sealed class NetworkSpec : IEquatable<NetworkSpec>
{
    /// <summary>Largest hidden size, unit count, embedding width or input size.</summary>
    public const int MaxWidth = 8192;
    /// <summary>Largest embedding vocabulary.</summary>
    public const int MaxVocabulary = 1 << 22;
    /// <summary>Most layers in one network.</summary>
    public const int MaxLayers = 16;
    /// <summary>Largest <see cref="MaxSteps"/>.</summary>
    public const int MaxSequenceLength = 1 << 20;
    /// <summary>Most parameters in one network (one flat float buffer).</summary>
    public const long MaxParameterCount = int.MaxValue / 2;

    private readonly LayerSpec[] _layers;
    private ParameterLayout? _parameterLayout;

    /// <summary>Creates and validates a network description.</summary>
    /// <param name="inputSize">Floats per input step; 0 when the first layer is an Embedding.</param>
    /// <param name="layers">The layers in the order they apply.</param>
    /// <param name="maxSteps">The longest sequence <c>Forward</c> accepts.</param>
    /// <param name="output">Every step produces an output, or only the last.</param>
    /// <param name="loss">The loss <c>Backward</c> computes.</param>
    /// <param name="reduction">How per-element losses are combined.</param>
    /// <exception cref="ArgumentException">A field is outside its allowed range; the message names the field,
    /// the value and the allowed range.</exception>
    [JsonConstructor]
    public NetworkSpec(int inputSize, IReadOnlyList<LayerSpec> layers, int maxSteps,
        OutputMode output = OutputMode.EveryStep, LossKind loss = LossKind.MeanSquaredError, Reduction reduction = Reduction.Mean)
    {
        if (layers is null) throw new ArgumentNullException(nameof(layers));
        _layers = [.. layers];
        InputSize = inputSize;
        MaxSteps = maxSteps;
        Output = output;
        Loss = loss;
        Reduction = reduction;
        Validate();
    }

    /// <summary>Floats per input step; 0 when the first layer is an Embedding (then each step is one token id).</summary>
    public int InputSize { get; }

    /// <summary>The layers in the order they apply.</summary>
    public IReadOnlyList<LayerSpec> Layers => _layers;

    /// <summary>The longest sequence <c>Forward</c> accepts.</summary>
    public int MaxSteps { get; }

    /// <summary>Every step produces an output (many-to-many), or only the last (many-to-one).</summary>
    public OutputMode Output { get; }

    /// <summary>The loss <c>Backward</c> computes.</summary>
    public LossKind Loss { get; }

    /// <summary>How per-element losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>True when the first layer is an Embedding: inputs are token ids, one per step.</summary>
    [JsonIgnore]
    public bool UsesTokens => _layers[0].Kind == LayerKind.Embedding;

    /// <summary>Floats the network emits per output step (the last layer's width).</summary>
    [JsonIgnore]
    public int OutputSize => _layers[^1].OutputWidth;

    /// <summary>Floats of recurrent state: for each recurrent layer in order, for each direction (forward, then
    /// reverse), h then (LSTM only) c.</summary>
    [JsonIgnore]
    public int StateSize => _layers.Sum(l => l.StateWidth);

    /// <summary>The flat parameter layout: every tensor's PyTorch name, shape and offset.</summary>
    [JsonIgnore]
    public ParameterLayout ParameterLayout => _parameterLayout ??= new ParameterLayout(this);

    /// <summary>Total number of parameters.</summary>
    [JsonIgnore]
    public int ParameterCount => ParameterLayout.ParameterCount;

    /// <summary>Width of the input fed to layer <paramref name="index"/> at each step.</summary>
    public int LayerInputWidth(int index) => index == 0 ? InputSize : _layers[index - 1].OutputWidth;

    private void Validate()
    {
        if (_layers.Length is < 1 or > MaxLayers)
            throw Range(nameof(Layers) + ".Count", _layers.Length, 1, MaxLayers);
        RequireDefined(Output, nameof(Output));
        RequireDefined(Loss, nameof(Loss));
        RequireDefined(Reduction, nameof(Reduction));
        if (MaxSteps is < 1 or > MaxSequenceLength)
            throw Range(nameof(MaxSteps), MaxSteps, 1, MaxSequenceLength);

        bool tokens = _layers[0] is { Kind: LayerKind.Embedding };
        if (tokens && InputSize != 0)
            throw new ArgumentException($"InputSize = {InputSize}, but the first layer is an Embedding, which reads one token id per step: InputSize must be 0 (omitted).", nameof(InputSize));
        if (!tokens && InputSize is < 1 or > MaxWidth)
            throw Range(nameof(InputSize), InputSize, 1, MaxWidth);

        for (int i = 0; i < _layers.Length; i++)
        {
            LayerSpec layer = _layers[i] ?? throw new ArgumentException($"Layers[{i}] is null.", nameof(Layers));
            string field = $"Layers[{i}]";
            RequireDefined(layer.Kind, field + ".Kind");
            RequireDefined(layer.Activation, field + ".Activation");
            if (layer.Size is < 1 or > MaxWidth)
                throw Range(field + ".Size", layer.Size, 1, MaxWidth);
            if (layer.Bidirectional && !layer.IsRecurrent)
                throw new ArgumentException($"{field}.Bidirectional = true, but a {layer.Kind} layer has no direction; only Rnn, Lstm and Gru layers can be bidirectional.", field + ".Bidirectional");
            if (layer.Leak != 0f && layer.Kind != LayerKind.Rnn)
                throw new ArgumentException($"{field}.Leak = {layer.Leak}, but only an Rnn layer has leaky units; it must be 0.", field + ".Leak");
            if (layer.Kind == LayerKind.Rnn && !(layer.Leak >= 0f && layer.Leak < 1f))
                throw new ArgumentException($"{field}.Leak = {layer.Leak}, but α must be in [0, 1): 0 is an ordinary Elman layer, 1 would never update the state.", field + ".Leak");
            if (layer.LearnLeak && (layer.Kind != LayerKind.Rnn || layer.IsReservoir))
                throw new ArgumentException($"{field}.LearnLeak = true, but only a (non-reservoir) Rnn layer learns its leak.", field + ".LearnLeak");
            if (layer.LearnLeak && !(layer.Leak > 0f && layer.Leak < 1f))
                throw new ArgumentException($"{field}.LearnLeak = true needs Leak in (0, 1), the starting α of every unit (λ = logit(α)); it is {layer.Leak}.", field + ".Leak");
            if (layer.SkipDelay != 0 && layer.Kind != LayerKind.Rnn)
                throw new ArgumentException($"{field}.SkipDelay = {layer.SkipDelay}, but only an Rnn layer has skip connections through time; it must be 0.", field + ".SkipDelay");
            if (layer.SkipDelay is 1 or < 0 or > LayerSpec.MaxSkipDelay)
                throw new ArgumentException($"{field}.SkipDelay = {layer.SkipDelay}, but it must be 0 (none) or 2…{LayerSpec.MaxSkipDelay} (a delay of 1 is W_hh itself).", field + ".SkipDelay");
            if (layer.IsReservoir && layer.SkipDelay != 0)
                throw new ArgumentException($"{field} is a reservoir, which has no skip connection; SkipDelay must be 0.", field + ".SkipDelay");
            if (layer.IsReservoir)
            {
                if (layer.Kind != LayerKind.Rnn || layer.Activation != Activation.Tanh || layer.Bidirectional)
                    throw new ArgumentException($"{field} is a reservoir, which must be a one-direction Rnn layer of Tanh units (LayerSpec.Reservoir builds one).", field + ".IsReservoir");
                if (!(layer.SpectralRadius > 0f && float.IsFinite(layer.SpectralRadius)))
                    throw new ArgumentException($"{field}.SpectralRadius = {layer.SpectralRadius}, but it must be a finite number > 0 (typically just below 1).", field + ".SpectralRadius");
                if (!(layer.Density > 0f && layer.Density <= 1f))
                    throw new ArgumentException($"{field}.Density = {layer.Density}, but the fraction of non-zero recurrent weights must be in (0, 1].", field + ".Density");
                if (!(layer.InputScaling > 0f && float.IsFinite(layer.InputScaling)))
                    throw new ArgumentException($"{field}.InputScaling = {layer.InputScaling}, but it must be a finite number > 0.", field + ".InputScaling");
            }
            else if (layer.SpectralRadius != 0f || layer.Density != 0f || layer.InputScaling != 0f)
                throw new ArgumentException($"{field} sets SpectralRadius, Density or InputScaling, which only a reservoir has (IsReservoir = true); they must be 0.", field + ".IsReservoir");
            if (layer.Kind != LayerKind.Embedding && layer.Vocabulary != 0)
                throw new ArgumentException($"{field}.Vocabulary = {layer.Vocabulary}, but only an Embedding layer has a vocabulary; it must be 0.", field + ".Vocabulary");
            switch (layer.Kind)
            {
                case LayerKind.Embedding:
                    if (i != 0)
                        throw new ArgumentException($"{field} is an Embedding, but an Embedding must be the first layer (it reads token ids).", field + ".Kind");
                    if (layer.Vocabulary is < 1 or > MaxVocabulary)
                        throw Range(field + ".Vocabulary", layer.Vocabulary, 1, MaxVocabulary);
                    RequireActivation(layer, field, Activation.Identity);
                    break;
                case LayerKind.Rnn:
                    RequireActivation(layer, field, Activation.Tanh, Activation.Relu);
                    break;
                case LayerKind.Lstm:
                case LayerKind.Gru:
                    RequireActivation(layer, field, Activation.Tanh);
                    break;
                case LayerKind.Dense:
                    if (layer.Activation == Activation.Softmax && i != _layers.Length - 1)
                        throw new ArgumentException($"{field}.Activation = Softmax, but Softmax is only allowed on the final layer (Layers[{_layers.Length - 1}]).", field + ".Activation");
                    break;
            }
        }

        LayerSpec last = _layers[^1];
        if (Loss == LossKind.CrossEntropy && (last.Kind != LayerKind.Dense || last.Activation is not (Activation.Identity or Activation.Softmax)))
            throw new ArgumentException($"Loss = CrossEntropy needs a final Dense layer with Activation Identity (logits) or Softmax; the final layer is {DescribeShort(last)}.", nameof(Loss));
        if (Loss == LossKind.BinaryCrossEntropy && (last.Kind != LayerKind.Dense || last.Activation is not (Activation.Identity or Activation.Sigmoid)))
            throw new ArgumentException($"Loss = BinaryCrossEntropy needs a final Dense layer with Activation Identity (logits) or Sigmoid; the final layer is {DescribeShort(last)}.", nameof(Loss));

        long count = ParameterLayout.CountParameters(this);
        if (count > MaxParameterCount)
            throw Range(nameof(ParameterCount), count, 0, MaxParameterCount);
        long cache = (long)MaxSteps * _layers.Sum(l => (long)l.OutputWidth * 8);
        if (cache > int.MaxValue)
            throw new ArgumentException($"MaxSteps = {MaxSteps} with these layer widths needs {cache} floats of BPTT cache; the limit is {int.MaxValue}. Lower MaxSteps.", nameof(MaxSteps));
    }

    /// <summary>The layer as it is declared on a model class, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>.</summary>
    internal static string Describe(LayerSpec l)
    {
        string arguments = l.Kind switch
        {
            LayerKind.Embedding => $"{l.Vocabulary}, {l.Size}",
            LayerKind.Dense => l.Activation == Activation.Identity ? $"{l.Size}" : $"{l.Size}, Activation.{l.Activation}",
            LayerKind.Rnn when l.Activation != Activation.Tanh => $"{l.Size}, Activation = Activation.{l.Activation}",
            _ => $"{l.Size}",
        };
        if (l.Bidirectional) arguments += ", Bidirectional = true";
        return l.IsReservoir ? $"[Reservoir({l.Size})]" : $"[{l.Kind}({arguments})]";
    }

    private static string DescribeShort(LayerSpec l) => l.Kind == LayerKind.Dense ? $"Dense({l.Size}, {l.Activation})" : $"{l.Kind}({l.Size})";

    private static void RequireActivation(LayerSpec layer, string field, params Activation[] allowed)
    {
        if (Array.IndexOf(allowed, layer.Activation) < 0)
            throw new ArgumentException($"{field}.Activation = {layer.Activation}, but a {layer.Kind} layer allows {string.Join(" or ", allowed)}.", field + ".Activation");
    }

    private static void RequireDefined<TEnum>(TEnum value, string field) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentException($"{field} = {value} is not a defined {typeof(TEnum).Name}; allowed: {string.Join(", ", Enum.GetNames<TEnum>())}.", field);
    }

    private static ArgumentException Range(string field, long value, long min, long max) =>
        new($"{field} = {value} is outside the allowed range {min}..{max}.", field);

    /// <summary>Serialises the spec as JSON (camelCase, enums as names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, NetworkSpecJsonContext.Default.NetworkSpec);

    /// <summary>Reads a spec written by <see cref="ToJson"/>.</summary>
    /// <exception cref="ArgumentException">The JSON is malformed, or describes an invalid network.</exception>
    public static NetworkSpec FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, NetworkSpecJsonContext.Default.NetworkSpec)
                ?? throw new ArgumentException("The JSON is 'null', not a network spec.", nameof(json));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The JSON is not a valid network spec: {e.Message}", nameof(json), e);
        }
    }

    /// <inheritdoc/>
    public bool Equals(NetworkSpec? other) =>
        other is not null && InputSize == other.InputSize && MaxSteps == other.MaxSteps && Output == other.Output
        && Loss == other.Loss && Reduction == other.Reduction && _layers.AsSpan().SequenceEqual(other._layers);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NetworkSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(InputSize); hash.Add(MaxSteps); hash.Add(Output); hash.Add(Loss); hash.Add(Reduction);
        foreach (LayerSpec l in _layers) hash.Add(l);
        return hash.ToHashCode();
    }

    /// <summary>A one-line summary, e.g. <c>in 4 → Lstm(32) → Gru(16, bi) → Dense(4, Tanh); MSE mean, every step, T ≤ 64</c>.</summary>
    public override string ToString()
    {
        string layers = string.Join(" → ", _layers.Select(l => l.Kind switch
        {
            LayerKind.Embedding => $"Embedding({l.Vocabulary}, {l.Size})",
            LayerKind.Dense => $"Dense({l.Size}, {l.Activation})",
            LayerKind.Rnn when l.IsReservoir => $"Reservoir({l.Size}, ρ {l.SpectralRadius}, density {l.Density}, input scaling {l.InputScaling}{(l.Leak != 0f ? $", leak {l.Leak}" : "")})",
            LayerKind.Rnn => $"Rnn({l.Size}, {l.Activation}{(l.Bidirectional ? ", bi" : "")}{(l.Leak != 0f ? $", leak {l.Leak}{(l.LearnLeak ? " learned" : "")}" : "")}{(l.SkipDelay > 0 ? $", skip {l.SkipDelay}" : "")})",
            _ => $"{l.Kind}({l.Size}{(l.Bidirectional ? ", bi" : "")})",
        }));
        string input = UsesTokens ? "tokens" : $"in {InputSize}";
        return $"{input} → {layers}; {Loss} {Reduction}, {Output}, T ≤ {MaxSteps}";
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(NetworkSpec))]
internal sealed partial class NetworkSpecJsonContext : JsonSerializerContext;
