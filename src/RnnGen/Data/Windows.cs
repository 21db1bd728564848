using RnnGen.Training;

namespace RnnGen.Data;

/// <summary>Cuts long series into training sequences.</summary>
public static class Windows
{
    /// <summary>
    /// Language-model windows over a token sequence: window i reads <c>tokens[s .. s + length)</c> and its targets
    /// are the next tokens <c>tokens[s + 1 .. s + length + 1)</c>, with s = i · <paramref name="stride"/>.
    /// </summary>
    public static Sequence[] NextToken(int[] tokens, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (tokens.Length < length + 1)
            throw new ArgumentException($"tokens has {tokens.Length} elements; expected at least {length + 1} (one window of {length} plus its next token).", nameof(tokens));
        int count = (tokens.Length - length - 1) / stride + 1;
        var windows = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int s = i * stride;
            windows[i] = Sequence.FromTokens(tokens[s..(s + length)], tokens[(s + 1)..(s + length + 1)]);
        }
        return windows;
    }

    /// <summary>
    /// Sliding forecasting windows over a multichannel series [length × channels]: each sequence reads
    /// <paramref name="window"/> steps and its target is the value <paramref name="horizon"/> steps after the last one
    /// (<paramref name="targetChannels"/> channels; all when null) — for a many-to-one (LastStep) model.
    /// </summary>
    public static Sequence[] Forecast(float[] series, int channels, int window, int horizon = 1, int stride = 1, int[]? targetChannels = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (series.Length % channels != 0)
            throw new ArgumentException($"series has {series.Length} elements; expected a multiple of channels {channels}.", nameof(series));
        int length = series.Length / channels;
        int[] targets = targetChannels ?? Enumerable.Range(0, channels).ToArray();
        foreach (int c in targets)
            if ((uint)c >= (uint)channels) throw new ArgumentOutOfRangeException(nameof(targetChannels), c, $"channel {c}; expected 0..{channels - 1}.");
        if (length < window + horizon)
            throw new ArgumentException($"series has {length} steps; expected at least {window + horizon} (window {window} + horizon {horizon}).", nameof(series));
        int count = (length - window - horizon) / stride + 1;
        var sequences = new Sequence[count];
        for (int i = 0; i < count; i++)
        {
            int s = i * stride;
            float[] inputs = series[(s * channels)..((s + window) * channels)];
            float[] target = new float[targets.Length];
            int at = s + window - 1 + horizon;
            for (int k = 0; k < targets.Length; k++) target[k] = series[at * channels + targets[k]];
            sequences[i] = Sequence.FromFloats(inputs, window, target);
        }
        return sequences;
    }
}
