namespace RnnGen.Training;

/// <summary>
/// Echo state networks: a fixed random reservoir (<see cref="LayerSpec.Reservoir"/> or <c>[Reservoir]</c>) and a
/// linear readout fitted in closed form, not by BPTT.
/// </summary>
public static class EchoState
{
    /// <summary>
    /// Runs <paramref name="steps"/> inputs through the reservoir of a <c>[Reservoir, Dense(Identity)]</c> network
    /// (its own — generated or reference — streaming step, from <see cref="IRecurrentNetwork.CurrentState"/>), drops the
    /// first <paramref name="washout"/> states, and fits the Dense readout y = W·h + b by ridge regression:
    /// [W b] = argmin Σₜ ‖y(t) − W·h(t) − b‖² + λ‖W‖² (the bias is not penalised), solved through the normal equations
    /// (ZᵀZ + λI)·β = ZᵀY by Cholesky in double precision. Writes W and b into <see cref="IRecurrentNetwork.Parameters"/>
    /// and leaves the reservoir's final state in <see cref="IRecurrentNetwork.CurrentState"/>, ready to predict on.
    /// </summary>
    /// <param name="network">A network whose layers are exactly a reservoir and a Dense layer with Identity activation.</param>
    /// <param name="inputs">[steps × InputSize].</param>
    /// <param name="targets">[steps × OutputSize]: the readout's target at every step (e.g. the next input, for prediction).</param>
    /// <param name="steps">Steps to run.</param>
    /// <param name="washout">Initial steps whose states are discarded while the reservoir forgets its initial state.</param>
    /// <param name="ridge">λ ≥ 0, the ridge penalty on W.</param>
    /// <exception cref="ArgumentException">The network is not a reservoir and a linear readout, or a size is wrong.</exception>
    /// <exception cref="InvalidOperationException">The regression is singular (no washout left, or λ = 0 with collinear states): raise <paramref name="ridge"/>.</exception>
    public static ReadoutFit FitReadout(IRecurrentNetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets,
        int steps, int washout, double ridge = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(network);
        NetworkSpec spec = network.Spec;
        if (spec.Layers.Count != 2 || !spec.Layers[0].IsReservoir || spec.Layers[1].Kind != LayerKind.Dense || spec.Layers[1].Activation != Activation.Identity)
            throw new ArgumentException($"FitReadout needs a network of a reservoir and a Dense(Identity) readout; this one is {spec}.", nameof(network));
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 1.");
        Guard.Length(inputs.Length, steps * spec.InputSize, nameof(inputs));
        Guard.Length(targets.Length, steps * spec.OutputSize, nameof(targets));
        if (washout < 0 || washout >= steps)
            throw new ArgumentOutOfRangeException(nameof(washout), washout, $"washout must be in 0..{steps - 1} (steps − 1).");
        if (!(ridge >= 0) || double.IsInfinity(ridge))
            throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "ridge must be a finite number ≥ 0.");

        int h = spec.Layers[0].Size, o = spec.OutputSize, n = h + 1, samples = steps - washout;
        // Z = [h(t); 1] for every kept step; ZᵀZ [n × n] and ZᵀY [n × o] accumulate in double.
        var z = new double[samples * n];
        var zz = new double[n * n];
        var zy = new double[n * o];
        var output = new float[o];
        for (int t = 0; t < steps; t++)
        {
            network.Step(inputs.Slice(t * spec.InputSize, spec.InputSize), output);
            if (t < washout) continue;
            Span<double> row = z.AsSpan((t - washout) * n, n);
            ReadOnlySpan<float> state = network.CurrentState[..h];
            for (int j = 0; j < h; j++) row[j] = state[j];
            row[h] = 1.0;
            for (int a = 0; a < n; a++)
            {
                double za = row[a];
                if (za == 0) continue;
                Span<double> zzRow = zz.AsSpan(a * n, a + 1);   // lower triangle
                for (int b = 0; b <= a; b++) zzRow[b] += za * row[b];
                for (int k = 0; k < o; k++) zy[a * o + k] += za * targets[t * o + k];
            }
        }
        for (int a = 0; a < n; a++)
            for (int b = 0; b < a; b++) zz[b * n + a] = zz[a * n + b];
        for (int j = 0; j < h; j++) zz[j * n + j] += ridge;   // not the bias

        double[] beta = SolveCholesky(zz, zy, n, o);

        // W [o × h] row-major and b [o], at the readout's offsets.
        ParameterLayout layout = spec.ParameterLayout;
        ParameterTensor weight = layout["layers.1.weight"], bias = layout["layers.1.bias"];
        Span<float> parameters = network.Parameters;
        for (int k = 0; k < o; k++)
        {
            for (int j = 0; j < h; j++) parameters[weight.Offset + k * h + j] = (float)beta[j * o + k];
            parameters[bias.Offset + k] = (float)beta[h * o + k];
        }

        // The fitted readout's error on the kept steps.
        double squared = 0, sum = 0, sumSquares = 0;
        for (int s = 0; s < samples; s++)
        {
            for (int k = 0; k < o; k++)
            {
                double prediction = 0;
                for (int j = 0; j < n; j++) prediction += z[s * n + j] * beta[j * o + k];
                double target = targets[(s + washout) * o + k];
                squared += (prediction - target) * (prediction - target);
                sum += target;
                sumSquares += target * target;
            }
        }
        int count = samples * o;
        double mse = squared / count, mean = sum / count, variance = Math.Max(sumSquares / count - mean * mean, 0);
        return new ReadoutFit(samples, mse, variance > 0 ? Math.Sqrt(mse / variance) : double.NaN);
    }

    /// <summary>Solves A·X = B for symmetric positive definite A [n × n] and B [n × m] (row-major) by Cholesky.</summary>
    private static double[] SolveCholesky(double[] a, double[] b, int n, int m)
    {
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
                if (i == j)
                {
                    if (!(sum > 1e-300))
                        throw new InvalidOperationException($"The readout regression is singular (pivot {i} of {n} is {sum:G3}); raise ridge, lengthen the data or shorten the washout.");
                    l[i * n + i] = Math.Sqrt(sum);
                }
                else l[i * n + j] = sum / l[j * n + j];
            }
        }
        var x = new double[n * m];
        var y = new double[n];
        for (int c = 0; c < m; c++)
        {
            for (int i = 0; i < n; i++)   // L·y = b
            {
                double sum = b[i * m + c];
                for (int k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
                y[i] = sum / l[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--)   // Lᵀ·x = y
            {
                double sum = y[i];
                for (int k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k * m + c];
                x[i * m + c] = sum / l[i * n + i];
            }
        }
        return x;
    }
}
