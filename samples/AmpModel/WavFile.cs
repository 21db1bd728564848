using NAudio.Wave;

namespace RnnGen.Samples;

/// <summary>
/// Mono WAV files in and out, through NAudio: reads 16-bit PCM or 32-bit float (plain or WAVE_FORMAT_EXTENSIBLE),
/// writes 32-bit float. Anything else, and any file NAudio cannot parse (truncated, corrupt), is an
/// <see cref="InvalidDataException"/> whose message starts with the path and names the format.
/// </summary>
internal static class WavFile
{
    /// <summary>The longest file read: 30 minutes at 48 kHz.</summary>
    public const int MaxSamples = 48_000 * 60 * 30;

    /// <summary>The samples of the mono WAV file at <paramref name="path"/>, as floats in [-1, 1], and its sample rate.</summary>
    /// <exception cref="InvalidDataException">Not a WAV file, not mono, not 16-bit PCM or 32-bit float, truncated or
    /// corrupt, a float sample that is not finite, or longer than <see cref="MaxSamples"/>; the message starts with
    /// the path.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static (float[] Samples, int SampleRate) ReadMono(string path)
    {
        try
        {
            using var reader = new WaveFileReader(path);
            WaveFormat format = reader.WaveFormat;
            bool pcm16 = IsPcm16(format), float32 = IsFloat32(format);
            if (format.Channels != 1)
                throw Bad(path, $"{format.Channels} channels ({Describe(format)}); AmpModel reads mono files: mix it down to one channel first.");
            if (!pcm16 && !float32)
                throw Bad(path, $"{Describe(format)}; AmpModel reads mono 16-bit PCM or 32-bit float WAV files.");
            if (format.SampleRate <= 0)
                throw Bad(path, $"a sample rate of {format.SampleRate} Hz.");
            int bytesPerSample = pcm16 ? 2 : 4;
            // The data chunk's declared length, but never more than the file holds (a corrupt header may claim gigabytes).
            long declared = Math.Min(reader.Length, new FileInfo(path).Length) / bytesPerSample;
            if (declared > MaxSamples)
                throw Bad(path, $"{declared:N0} samples; AmpModel reads at most {MaxSamples:N0} (30 minutes at 48 kHz).");
            var bytes = new byte[declared * bytesPerSample];
            int read = 0, n;
            while (read < bytes.Length && (n = reader.Read(bytes.AsSpan(read))) > 0) read += n;
            int count = read / bytesPerSample;
            var samples = new float[count];
            for (int i = 0; i < count; i++)
            {
                samples[i] = pcm16
                    ? BitConverter.ToInt16(bytes, 2 * i) / 32768f
                    : BitConverter.ToSingle(bytes, 4 * i);
                if (!float.IsFinite(samples[i])) throw Bad(path, $"sample {i:N0} is {samples[i]}: a float WAV file holds finite samples.");
            }
            return (samples, format.SampleRate);
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(path + ": ", StringComparison.Ordinal))
        {
            throw;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            // NAudio's own errors on a corrupt or truncated file: FormatException, EndOfStreamException, ArgumentException, …
            throw new InvalidDataException($"{path}: not a WAV file AmpModel can read ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>Writes <paramref name="samples"/> as a mono 32-bit float WAV file, to a temporary name first and then
    /// renamed, so that a file at <paramref name="path"/> is always whole.</summary>
    public static void WriteMonoFloat(string path, float[] samples, int sampleRate)
    {
        string temporary = path + ".tmp";
        using (var writer = new WaveFileWriter(temporary, WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, 1)))
            writer.WriteSamples(samples, 0, samples.Length);
        File.Move(temporary, path, overwrite: true);
    }

    private static bool IsPcm16(WaveFormat f) => f.BitsPerSample == 16 && (f.Encoding == WaveFormatEncoding.Pcm
        || (f is WaveFormatExtensible x && x.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_PCM));

    private static bool IsFloat32(WaveFormat f) => f.BitsPerSample == 32 && (f.Encoding == WaveFormatEncoding.IeeeFloat
        || (f is WaveFormatExtensible x && x.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT));

    private static string Describe(WaveFormat f) =>
        $"{(f is WaveFormatExtensible x ? $"Extensible {(x.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_PCM ? "PCM" : x.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT ? "IEEE float" : x.SubFormat.ToString())}" : f.Encoding.ToString())}, {f.BitsPerSample}-bit, {f.Channels} channel{(f.Channels == 1 ? "" : "s")}, {f.SampleRate} Hz";

    private static InvalidDataException Bad(string path, string message) => new($"{path}: {message}");
}
