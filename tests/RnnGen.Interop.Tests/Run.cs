using RnnGen.Safetensors;

namespace RnnGen.Interop.Tests;

/// <summary>Runs RnnGen networks the way the ONNX graphs are fed.</summary>
internal static class Run
{
    public static ReferenceNetwork Reference(Imported model)
    {
        NetworkSpec spec = model.Spec;
        var net = new ReferenceNetwork(spec);
        model.Parameters.CopyTo(net.Parameters);
        return net;
    }

    public static float[] Forward(IRecurrentNetwork net, float[] input, int steps)
    {
        var outputs = new float[(net.Spec.Output == OutputMode.LastStep ? 1 : steps) * net.OutputSize];
        if (net.Spec.UsesTokens) net.Forward(Array.ConvertAll(input, f => (int)f), steps, outputs);
        else net.Forward(input, steps, outputs);
        return outputs;
    }

    /// <summary>A seeded input of <paramref name="steps"/> steps for <paramref name="spec"/> (token ids for token models).</summary>
    public static float[] Input(NetworkSpec spec, int steps, int seed)
    {
        var random = new Random(seed);
        if (spec.UsesTokens) return [.. Enumerable.Range(0, steps).Select(_ => (float)random.Next(spec.Layers[0].Vocabulary))];
        return [.. Enumerable.Range(0, steps * spec.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }
}
