namespace RnnGen.Samples;

/// <summary>The sample's built-in audio and the distortion its model was trained on.</summary>
internal static class TestSignal
{
    /// <summary>
    /// 4 s of guitar-like test audio: 2 s of plucked strings (Karplus–Strong: a burst of noise recirculated through a
    /// delay line of one period with a two-tap average, so that it decays like a string), a note every 0.25 s at
    /// varying strength, then a 2 s logarithmic sine sweep from 60 Hz to 4 kHz at amplitude 0.5. Deterministic.
    /// </summary>
    public static float[] Generate(int sampleRate)
    {
        var x = new float[4 * sampleRate];
        var random = new DeterministicRandom(48_000);
        double[] notes = [82.41, 110.0, 146.83, 196.0, 246.94, 329.63, 196.0, 110.0];   // E2 A2 D3 G3 B3 E4 G3 A2
        int noteLength = sampleRate / 4;
        for (int k = 0; k < notes.Length; k++)
        {
            int period = (int)Math.Round(sampleRate / notes[k]);
            var line = new double[period];
            double strength = 0.25 + 0.6 * ((k * 5) % 8) / 7.0;
            for (int i = 0; i < period; i++) line[i] = strength * (2 * random.NextDouble() - 1);
            for (int i = 0, at = k * noteLength; i < noteLength; i++)
            {
                int j = i % period;
                double next = 0.996 * 0.5 * (line[j] + line[(j + 1) % period]);
                x[at + i] += (float)line[j];
                line[j] = next;
            }
        }
        int sweepStart = 2 * sampleRate, sweepLength = 2 * sampleRate;
        double f0 = 60, f1 = 4000, duration = sweepLength / (double)sampleRate, ratio = Math.Log(f1 / f0);
        for (int i = 0; i < sweepLength; i++)
        {
            double t = i / (double)sampleRate;
            x[sweepStart + i] = (float)(0.5 * Math.Sin(2 * Math.PI * f0 * duration / ratio * (Math.Exp(t / duration * ratio) - 1)));
        }
        return x;
    }

    /// <summary>
    /// The tube-like overdrive amp.nam was trained on (tools/make_nam_fixtures.py, target_amp): input gain 6, an
    /// asymmetric soft clip tanh(6x + 0.25) − tanh(0.25) with the negative half scaled by 0.8, a DC blocker, a one-pole
    /// low-pass (coefficient 0.35) and a gain of 0.5; in double precision.
    /// </summary>
    public static double[] Overdrive(ReadOnlySpan<float> x)
    {
        var y = new double[x.Length];
        double previousIn = 0, dc = 0, lowPass = 0;
        for (int n = 0; n < x.Length; n++)
        {
            double v = Math.Tanh(6.0 * x[n] + 0.25) - Math.Tanh(0.25);
            if (v < 0) v *= 0.8;
            dc = v - previousIn + 0.995 * dc;
            previousIn = v;
            lowPass += 0.35 * (dc - lowPass);
            y[n] = 0.5 * lowPass;
        }
        return y;
    }
}
