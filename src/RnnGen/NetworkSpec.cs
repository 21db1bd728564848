using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using RnnGen.Geometry;

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
    public const int MaxWidth = Limits.MaxWidth;
    /// <summary>Largest embedding vocabulary.</summary>
    public const int MaxVocabulary = Limits.MaxVocabulary;
    /// <summary>Most layers in one network.</summary>
    public const int MaxLayers = Limits.MaxLayers;
    /// <summary>Largest <see cref="MaxSteps"/>.</summary>
    public const int MaxSequenceLength = Limits.MaxSequenceLength;
    /// <summary>Most parameters in one network (one flat float buffer).</summary>
    public const long MaxParameterCount = Limits.MaxParameterCount;

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

    /// <summary>The layers' shared geometry (sizes, tensors and offsets), as the generator computes it.</summary>
    internal NetworkGeometry Geometry => NetworkGeometry.Of(InputSize, Array.ConvertAll(_layers, l => l.Description));

    /// <summary>Throws the first of <see cref="NetworkRules"/>' problems (the generator reports them all as diagnostics).</summary>
    private void Validate()
    {
        var layers = Array.ConvertAll(_layers, l => l?.Description);
        List<NetworkProblem> problems = NetworkRules.Check(InputSize, layers, MaxSteps, Output, Loss, Reduction);
        if (problems.Count > 0) throw problems[0].ToException();
    }

    /// <summary>The layer as it is declared on a model class, e.g. <c>[Lstm(8)]</c>, <c>[Dense(2, Activation.Softmax)]</c>.</summary>
    internal static string Describe(LayerSpec l) => l.Description.Declaration();

    /// <summary>Serialises the spec as JSON (camelCase, enums as names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonInfo);

    /// <summary>The source-generated metadata, with <see cref="LayerSpec.ResetAfter"/> written only when false (so a spec
    /// without it keeps the JSON it always had, and a missing <c>resetAfter</c> reads as the default, true).</summary>
    private static readonly JsonTypeInfo<NetworkSpec> JsonInfo = (JsonTypeInfo<NetworkSpec>)new JsonSerializerOptions(NetworkSpecJsonContext.Default.Options)
    {
        TypeInfoResolver = NetworkSpecJsonContext.Default.WithAddedModifier(static info =>
        {
            if (info.Type != typeof(LayerSpec)) return;
            foreach (JsonPropertyInfo property in info.Properties)
                if (property.Name == "resetAfter") property.ShouldSerialize = static (_, value) => value is false;
        }),
    }.GetTypeInfo(typeof(NetworkSpec));

    /// <summary>Reads a spec written by <see cref="ToJson"/>.</summary>
    /// <exception cref="ArgumentException">The JSON is malformed, or describes an invalid network.</exception>
    public static NetworkSpec FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, JsonInfo)
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
            LayerKind.Rnn => $"Rnn({l.Size}, {l.Activation}{(l.Bidirectional ? ", bi" : "")}{(l.Leak != 0f ? $", leak {l.Leak}{(l.LearnLeak ? " learned" : "")}" : "")}{(l.SkipDelay > 0 ? $", skip {l.SkipDelay}{(l.ReplaceUnitDelay ? " only" : "")}" : "")}{(l.LearnInitialState ? ", learned h0" : "")}{(l.ClockPeriods is { } periods ? $", clock {string.Join("/", periods)}" : "")})",
            _ => $"{l.Kind}({l.Size}{(l.Bidirectional ? ", bi" : "")}{(l.Peepholes ? ", peepholes" : "")}{(l.ProjectionSize != 0 ? $", projection {l.ProjectionSize}" : "")}{(l.LearnInitialState ? ", learned h0" : "")}{(!l.ResetAfter ? ", ResetAfter = false" : "")})",
        }));
        string input = UsesTokens ? "tokens" : $"in {InputSize}";
        return $"{input} → {layers}; {Loss} {Reduction}, {Output}, T ≤ {MaxSteps}";
    }
}
