using RnnGen.Orleans;

namespace RnnGen.Orleans.Tests;

/// <summary>The served model of the tests: LSTM 4 → 16 → Dense 3 (the generated streaming kernels).</summary>
[RnnModel(InputSize = 4, MaxSteps = 16)]
[Lstm(16)]
[Dense(3)]
public partial class ServedLstm : IStreamingModel<ServedLstm.State>
{
    /// <summary>The weights every silo and every reference run uses: seed 1 (version "v1") or another seed.</summary>
    public static ServedLstm WithSeed(int seed)
    {
        var model = new ServedLstm();
        model.InitializeParameters(seed);
        return model;
    }
}

/// <summary>Inputs that every client and every reference run derive from the stream and step alone.</summary>
public static class Inputs
{
    public static float[] For(int stream, long step)
    {
        var x = new float[ServedLstm.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(0.37f * stream + 0.91f * step + 1.3f * i);
        return x;
    }

    /// <summary>The outputs of <paramref name="steps"/> steps of <paramref name="stream"/> on one instance, stepping alone.</summary>
    public static float[][] Reference(ServedLstm model, int stream, int steps)
    {
        var state = default(ServedLstm.State);
        model.ResetState(ref state);
        var result = new float[steps][];
        for (int t = 1; t <= steps; t++)
        {
            result[t - 1] = new float[ServedLstm.OutputSize];
            model.Step(ref state, For(stream, t), result[t - 1]);
        }
        return result;
    }
}
