namespace RnnGen;

/// <summary>
/// PyTorch's default initialisation, reproducible from a seed with RnnGen's own generator (so the generated
/// models and the reference runtime start from identical weights):
/// recurrent layers U(−1/√H, 1/√H) for every tensor (an LSTM's peepholes too) but a learned initial state, which starts at zero; Dense U(−1/√I, 1/√I) for weight and bias (what
/// <c>nn.Linear</c>'s kaiming_uniform(a=√5) amounts to); Embedding N(0, 1).
/// Tensors are filled in layout order from one stream.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>Fills <paramref name="parameters"/> for <paramref name="spec"/> from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not ParameterCount long.</exception>
    public static void Initialize(NetworkSpec spec, Span<float> parameters, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ParameterLayout layout = spec.ParameterLayout;
        Guard.Length(parameters.Length, layout.ParameterCount, nameof(parameters));
        var random = new DeterministicRandom((ulong)(uint)seed);
        foreach (ParameterTensor t in layout)
        {
            LayerSpec layer = spec.Layers[t.Layer];
            Span<float> span = parameters.Slice(t.Offset, t.Length);
            switch (layer.Kind)
            {
                case LayerKind.Embedding:
                    for (int i = 0; i < span.Length; i++) span[i] = (float)random.NextNormal();
                    break;
                case LayerKind.Dense:
                    Uniform(span, 1.0 / Math.Sqrt(spec.LayerInputWidth(t.Layer)), ref random);
                    break;
                case LayerKind.Rnn or LayerKind.Lstm or LayerKind.Gru when t.Name.Contains(".initial_", StringComparison.Ordinal):
                    span.Clear();   // a learned initial state starts at the zero state (draws nothing from the stream)
                    break;
                case LayerKind.Rnn when t.Name.Contains(".leak", StringComparison.Ordinal):
                    span.Fill((float)Math.Log(layer.Leak / (1.0 - layer.Leak)));   // λ = logit(α): every unit starts at Leak
                    break;
                case LayerKind.Rnn when layer.IsReservoir:
                    if (t.Name.Contains("weight_hh", StringComparison.Ordinal)) SparseReservoir(span, layer, ref random);
                    else if (t.Name.Contains("bias_hh", StringComparison.Ordinal)) span.Clear();
                    else Uniform(span, layer.InputScaling, ref random);   // W_ih and b_ih
                    break;
                default:
                    Uniform(span, 1.0 / Math.Sqrt(layer.Size), ref random);
                    if (layer.ClockPeriods is { } periods && t.Name.Contains("weight_hh", StringComparison.Ordinal))
                        Generated.ElmanCell.ClockworkMask(span, layer.Size, periods.Count);   // drawn, then held at zero: the stream stays that of an ordinary layer
                    break;
            }
        }
    }

    /// <summary>
    /// An echo-state reservoir's W_hh [n × n]: each entry non-zero with probability Density (at least one per row),
    /// uniform in (−1, 1), then rescaled so its spectral radius is exactly the layer's SpectralRadius as estimated by
    /// <see cref="SpectralRadius"/>.
    /// </summary>
    private static void SparseReservoir(Span<float> w, LayerSpec layer, ref DeterministicRandom random)
    {
        int n = layer.Size;
        var dense = new double[n * n];
        for (int r = 0; r < n; r++)
        {
            bool any = false;
            for (int c = 0; c < n; c++)
            {
                if (random.NextDouble() < layer.Density)
                {
                    dense[r * n + c] = random.NextDouble() * 2.0 - 1.0;
                    any = true;
                }
            }
            if (!any) dense[r * n + (int)(random.NextUInt64() % (ulong)n)] = random.NextDouble() * 2.0 - 1.0;
        }
        double rho = SpectralRadius(dense, n, seed: 1);
        double scale = rho > 1e-12 ? layer.SpectralRadius / rho : 1.0;   // a nilpotent draw (ρ = 0) stays as drawn
        for (int i = 0; i < dense.Length; i++) w[i] = (float)(dense[i] * scale);
    }

    /// <summary>
    /// The spectral radius ρ(W) = max |λ| of a square matrix [n × n] (row-major), by Gelfand's formula
    /// ρ = lim ‖Wᵏv‖^(1/k): power iteration from a random vector, the geometric mean of the growth per step over the
    /// second half of 2,000 steps. Unlike the plain power-iteration ratio this converges when the dominant eigenvalues
    /// are a complex pair (the usual case for a random reservoir); the error is well under 1 % for random matrices.
    /// </summary>
    public static double SpectralRadius(ReadOnlySpan<double> w, int n, int seed = 1)
    {
        Guard.Length(w.Length, n * n, nameof(w));
        const int Steps = 2000;
        var random = new DeterministicRandom((ulong)(uint)seed);
        var v = new double[n];
        var next = new double[n];
        for (int i = 0; i < n; i++) v[i] = random.NextDouble() * 2.0 - 1.0;
        Normalize(v);
        double logGrowth = 0;
        for (int k = 0; k < Steps; k++)
        {
            for (int r = 0; r < n; r++)
            {
                double sum = 0;
                ReadOnlySpan<double> row = w.Slice(r * n, n);
                for (int c = 0; c < n; c++) sum += row[c] * v[c];
                next[r] = sum;
            }
            double norm = Normalize(next);
            if (norm == 0) return 0;
            if (k >= Steps / 2) logGrowth += Math.Log(norm);
            (v, next) = (next, v);
        }
        return Math.Exp(logGrowth / (Steps - Steps / 2));
    }

    private static double Normalize(double[] v)
    {
        double sum = 0;
        foreach (double x in v) sum += x * x;
        double norm = Math.Sqrt(sum);
        if (norm > 0) for (int i = 0; i < v.Length; i++) v[i] /= norm;
        return norm;
    }

    private static void Uniform(Span<float> span, double bound, ref DeterministicRandom random)
    {
        for (int i = 0; i < span.Length; i++) span[i] = (float)((random.NextDouble() * 2.0 - 1.0) * bound);
    }
}
