// Temporary stand-in for the shared import contract (replaced by main's ImportedWeights when it lands).
namespace RnnGen.Safetensors;

/// <summary>Builds the <see cref="ImportedModel"/> of a foreign file (stand-in).</summary>
public sealed class ImportedWeights
{
    private readonly float[] _parameters;
    private readonly bool[] _set;
    private readonly List<string> _mapped = [];

    /// <summary>Starts an import of <paramref name="spec"/>.</summary>
    public ImportedWeights(NetworkSpec spec)
    {
        Spec = spec;
        _parameters = new float[spec.ParameterCount];
        _set = new bool[spec.ParameterLayout.Count];
    }

    /// <summary>The network.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Sets one tensor.</summary>
    public void Set(string name, ReadOnlySpan<float> values, string source)
    {
        ParameterTensor t = Spec.ParameterLayout[name];
        if (values.Length != t.Length) throw new InvalidDataException($"{source} has {values.Length} values; {name} needs {t.Length}.");
        values.CopyTo(_parameters.AsSpan(t.Offset, t.Length));
        for (int i = 0; i < Spec.ParameterLayout.Count; i++) if (Spec.ParameterLayout[i].Name == name) _set[i] = true;
        _mapped.Add($"{name} [{string.Join(", ", t.Shape)}] ← {source}");
    }

    /// <summary>Whether a tensor was set.</summary>
    public bool IsSet(string name)
    {
        for (int i = 0; i < Spec.ParameterLayout.Count; i++) if (Spec.ParameterLayout[i].Name == name) return _set[i];
        return false;
    }

    /// <summary>The model.</summary>
    public ImportedModel Build(IEnumerable<string>? notes = null)
    {
        var missing = Spec.ParameterLayout.Where((t, i) => !_set[i]).Select(t => t.Name).ToList();
        if (missing.Count > 0) throw new InvalidDataException("never set: " + string.Join(", ", missing));
        var map = Spec.ParameterLayout.ToDictionary(t => t.Name, t => t.Name, StringComparer.Ordinal);
        return new ImportedModel(Spec.InputSize, Spec.Layers, map, notes?.ToList() ?? []) { Spec = Spec, Parameters = _parameters, Mapped = _mapped };
    }

    /// <summary>[rows, cols] → [cols, rows].</summary>
    public static float[] Transpose(ReadOnlySpan<float> source, int rows, int cols)
    {
        var r = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) r[j * rows + i] = source[i * cols + j];
        return r;
    }

    /// <summary>Block k = source block order[k].</summary>
    public static float[] ReorderBlocks(ReadOnlySpan<float> source, int blockLength, params int[] order)
    {
        var r = new float[source.Length];
        for (int k = 0; k < order.Length; k++) source.Slice(order[k] * blockLength, blockLength).CopyTo(r.AsSpan(k * blockLength));
        return r;
    }
}
