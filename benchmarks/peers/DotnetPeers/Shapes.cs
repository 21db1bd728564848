namespace RnnGen.Peers;

/// <summary>One recurrent layer's weights in PyTorch's layout (gate blocks i,f,g,o for LSTM; r,z,n for GRU).</summary>
internal sealed record RecurrentWeights(int Input, int Hidden, float[] WeightIh, float[] WeightHh, float[] BiasIh, float[] BiasHh);

/// <summary>A benchmarked model: recurrent layers of one cell kind, then Dense(last hidden -> Output).</summary>
internal sealed class Shape
{
    public Shape(string name, string cell, int input, int[] hiddens, int output)
    {
        Name = name;
        Cell = cell;
        Input = input;
        Hiddens = hiddens;
        Output = output;
    }

    /// <summary>The name in RESULT lines: lstm, gru, rnn or lstm2.</summary>
    public string Name { get; }

    /// <summary>The layer kind: lstm, gru or rnn.</summary>
    public string Cell { get; }

    public int Input { get; }

    public int[] Hiddens { get; }

    public int Output { get; }

    public int Hidden => Hiddens[^1];

    /// <summary>Gate blocks per layer: 4 for LSTM, 3 for GRU, 1 for the Elman RNN.</summary>
    public int Gates => Cell switch { "lstm" => 4, "gru" => 3, _ => 1 };

    public bool HasCellState => Cell == "lstm";

    public static IReadOnlyList<Shape> All()
    {
        var sizes = new (int In, int Hidden)[] { (1, 8), (1, 16), (1, 32), (8, 32), (32, 64), (64, 128), (128, 256) };
        var shapes = new List<Shape>();
        foreach (string cell in new[] { "lstm", "gru", "rnn" })
        {
            foreach ((int input, int hidden) in sizes)
                shapes.Add(new Shape(cell, cell, input, [hidden], input));
        }
        shapes.Add(new Shape("lstm2", "lstm", 16, [32, 32], 4));
        return shapes;
    }

    /// <summary>
    /// The weights the harness uses: one std::mt19937(42) stream, drawn layer by layer in PyTorch's parameter order
    /// (weight_ih, weight_hh, bias_ih, bias_hh, each row-major), then the Dense weight [out x hidden] and bias, each
    /// U(-1/sqrt(n), +1/sqrt(n)) with n the layer's hidden width (the Dense layer's input width).
    /// </summary>
    public (RecurrentWeights[] Layers, float[] DenseWeight, float[] DenseBias) Weights()
    {
        var rng = new Mt19937(42);
        var layers = new RecurrentWeights[Hiddens.Length];
        int input = Input;
        for (int l = 0; l < Hiddens.Length; l++)
        {
            int h = Hiddens[l];
            float k = 1f / MathF.Sqrt(h);
            float[] wih = Draw(rng, Gates * h * input, k);
            float[] whh = Draw(rng, Gates * h * h, k);
            float[] bih = Draw(rng, Gates * h, k);
            float[] bhh = Draw(rng, Gates * h, k);
            layers[l] = new RecurrentWeights(input, h, wih, whh, bih, bhh);
            input = h;
        }
        float kd = 1f / MathF.Sqrt(Hidden);
        float[] dw = Draw(rng, Output * Hidden, kd);
        float[] db = Draw(rng, Output, kd);
        return (layers, dw, db);
    }

    /// <summary>The ring of 1,024 inputs U(-1, 1), from std::mt19937(1), row-major [1024 x Input].</summary>
    public float[] InputRing() => Draw(new Mt19937(1), Harness.RingLength * Input, 1f);

    private static float[] Draw(Mt19937 rng, int count, float k)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = rng.NextUniform(-k, k);
        return values;
    }
}
