using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace RnnGen.Interop.Tests;

/// <summary>Runs ONNX files with ONNX Runtime, one sequence at a time.</summary>
internal static class Ort
{
    /// <summary>Feeds the graph's one input [steps, 1, features] (or int64 tokens [steps, 1]) and returns its first output, flat.</summary>
    public static float[] Run(string path, float[] input, int steps)
    {
        using var session = new InferenceSession(path);
        string name = session.InputMetadata.Keys.Single();
        NodeMetadata meta = session.InputMetadata[name];
        int rank = meta.Dimensions.Length;
        int features = rank >= 2 ? meta.Dimensions[^1] : 1;
        // [1, steps, features], or [batch, seq, features] with both dynamic (a batch_first export's dynamic_axes).
        bool batchFirst = rank == 3 && (meta.Dimensions[0] == 1 || meta.SymbolicDimensions[0] == "batch");
        int[] shape = batchFirst ? [1, steps, features] : rank == 3 ? [steps, 1, features] : rank == 2 && meta.ElementType == typeof(float) ? [steps, features] : rank == 2 ? [steps, 1] : [steps];
        NamedOnnxValue value = meta.ElementType == typeof(long)
            ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(Array.ConvertAll(input, f => (long)f), shape))
            : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(input, shape));
        using var results = session.Run([value]);
        return [.. results.First().AsEnumerable<float>()];
    }
}

/// <summary>A fixture from tools/make_onnx_fixtures.py: NAME.onnx and NAME.json (input and PyTorch's outputs).</summary>
internal sealed record Fixture(string Name, float[] Input, int[] Shape, float[] Output)
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx");

    public string OnnxPath => Path.Combine(Directory, Name + ".onnx");

    // [steps, 1, features], [steps, 1] tokens, or [1, steps, features] (batch first).
    public int Steps => Shape.Length == 3 && Shape[0] == 1 ? Shape[1] : Shape[0];

    public static Fixture Load(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")));
        JsonElement root = json.RootElement;
        float[] Floats(string property) => [.. root.GetProperty(property).EnumerateArray().Select(e => e.GetSingle())];
        return new Fixture(name, Floats("input"), [.. root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())], Floats("output"));
    }
}

internal static class Close
{
    public static void All(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = 1e-5f, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(MathF.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (|Δ| = {MathF.Abs(expected[i] - actual[i])} > {tolerance})");
    }
}
