using RnnGen.Optimization;
using RnnGen.Tests.Helpers;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Encoder–decoder sequence to sequence and one to many.</summary>
public sealed class EncoderDecoderTests
{
    private const int Start = 5, End = 6;   // tokens 0…4 are symbols

    private static EncoderDecoder Pair(bool generated, int seed, bool oneToMany = false)
    {
        IRecurrentNetwork encoder = oneToMany
            ? (generated ? new TinyConditioner() : new ReferenceNetwork(TinyConditioner.Spec))
            : (generated ? new TinyEncoder() : new ReferenceNetwork(TinyEncoder.Spec));
        IRecurrentNetwork decoder = generated ? new TinyDecoder() : new ReferenceNetwork(TinyDecoder.Spec);
        encoder.InitializeParameters(seed);
        decoder.InitializeParameters(seed + 1);
        return new EncoderDecoder(encoder, decoder, Start, End);
    }

    /// <summary>dLoss/dθ of both networks through the context, against central differences of the composed loss.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gradients_through_decoder_context_and_encoder_match_finite_differences(bool oneToMany)
    {
        EncoderDecoder pair = Pair(generated: false, seed: 3, oneToMany);
        int[] source = [1, 4, 2, 0, 3];
        float[] vector = [0.5f, -1f, 0.25f, 2f];
        int[] target = [2, 2, 0, 4];
        float Loss() => oneToMany ? pair.Loss(vector, 1, target) : pair.Loss(source, target);
        pair.ZeroGradients();
        float loss = oneToMany ? pair.Backward(vector, 1, target) : pair.Backward(source, target);
        Assert.Equal(Loss(), loss, 5);
        foreach (IRecurrentNetwork net in new[] { pair.Encoder, pair.Decoder })
        {
            float[] analytic = net.Gradients.ToArray();
            Assert.Contains(analytic, g => Math.Abs(g) > 1e-4f);   // the context carries gradient into the encoder
            var numeric = new double[analytic.Length];
            for (int i = 0; i < analytic.Length; i++)
            {
                float saved = net.Parameters[i];
                const float h = 1e-2f;
                net.Parameters[i] = saved + h;
                double plus = Loss();
                net.Parameters[i] = saved - h;
                double minus = Loss();
                net.Parameters[i] = saved;
                numeric[i] = (plus - minus) / (2 * h);
            }
            Numerics.AssertClose<double, float>(numeric, analytic, $"dLoss/dθ of the {(net == pair.Encoder ? "encoder" : "decoder")}", rel: 3e-2, abs: 5e-4);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Generated_and_reference_pairs_give_the_same_loss_gradients_and_generation(bool oneToMany)
    {
        EncoderDecoder a = Pair(generated: true, seed: 5, oneToMany), b = Pair(generated: false, seed: 5, oneToMany);
        int[] source = [3, 1, 4, 1, 2, 0];
        float[] vector = [1f, 0f, -0.5f, 0.25f];
        int[] target = [0, 1, 2];
        a.ZeroGradients();
        b.ZeroGradients();
        if (oneToMany) Assert.Equal(b.Backward(vector, 1, target), a.Backward(vector, 1, target), 5);
        else Assert.Equal(b.Backward(source, target), a.Backward(source, target), 5);
        Numerics.AssertClose<float, float>(b.Encoder.Gradients.ToArray(), a.Encoder.Gradients.ToArray(), "encoder gradients", 1e-4, 1e-6);
        Numerics.AssertClose<float, float>(b.Decoder.Gradients.ToArray(), a.Decoder.Gradients.ToArray(), "decoder gradients", 1e-4, 1e-6);
        var r1 = new DeterministicRandom(9);
        var r2 = new DeterministicRandom(9);
        int[] x = new int[8], y = new int[8];
        int n1 = oneToMany ? a.Generate(vector, 1, x, 0.8f, ref r1) : a.Generate(source, x, 0.8f, ref r1);
        int n2 = oneToMany ? b.Generate(vector, 1, y, 0.8f, ref r2) : b.Generate(source, y, 0.8f, ref r2);
        Assert.Equal(x[..n1], y[..n2]);
    }

    /// <summary>One to many: a single input vector (one of 4 one-hot codes) conditions a whole generated sequence.</summary>
    [Fact]
    public void One_vector_conditions_a_generated_sequence()
    {
        EncoderDecoder pair = Pair(generated: true, seed: 2, oneToMany: true);
        int[][] sequences = [[0, 1, 2, 3], [4, 4], [3, 0, 3, 0, 3], [2]];
        var adamE = new Adam(0.02f);
        var adamD = new Adam(0.02f);
        var code = new float[4];
        for (int update = 0; update < 300; update++)
        {
            pair.ZeroGradients();
            for (int c = 0; c < 4; c++)
            {
                Array.Clear(code);
                code[c] = 1;
                pair.Backward(code, 1, sequences[c]);
            }
            adamE.Step(pair.Encoder.Parameters, pair.Encoder.Gradients);
            adamD.Step(pair.Decoder.Parameters, pair.Decoder.Gradients);
        }
        var output = new int[8];
        var none = new DeterministicRandom(0);
        for (int c = 0; c < 4; c++)
        {
            Array.Clear(code);
            code[c] = 1;
            int n = pair.Generate(code, 1, output, 0f, ref none);
            Assert.Equal(sequences[c], output[..n]);
        }
    }

    [Fact]
    public void Mismatched_networks_are_refused_with_the_rule_that_failed()
    {
        var encoder = new TinyEncoder();
        var decoder = new TinyDecoder();
        Assert.Contains("two networks", Assert.Throws<ArgumentException>(() => new EncoderDecoder(decoder, decoder, Start, End)).Message);
        Assert.Contains("Output = LastStep and Loss = None", Assert.Throws<ArgumentException>(() => new EncoderDecoder(decoder, new TinyDecoder(), Start, End)).Message);
        Assert.Contains("must read tokens", Assert.Throws<ArgumentException>(() => new EncoderDecoder(encoder, new TinyEncoder(), Start, End)).Message);
        var wide = new ReferenceNetwork(new NetworkSpec(0, [LayerSpec.Embedding(7, 3), LayerSpec.Gru(9), LayerSpec.Dense(7, Activation.Softmax)], 5, loss: LossKind.CrossEntropy));
        Assert.Contains("6 floats", Assert.Throws<ArgumentException>(() => new EncoderDecoder(encoder, wide, Start, End)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EncoderDecoder(encoder, decoder, 7, End));
        var pair = new EncoderDecoder(encoder, decoder, Start, End);
        Assert.Contains("at most 8", Assert.Throws<ArgumentException>(() => pair.Backward([1, 2], new int[9])).Message);
    }
}
