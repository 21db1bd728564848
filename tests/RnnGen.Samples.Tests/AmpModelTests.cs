using System.Text;
using System.Text.RegularExpressions;
using NAudio.Wave;
using RnnGen.Safetensors;
using RnnGen.Samples;

namespace RnnGen.Samples.Tests;

/// <summary>
/// The AmpModel sample, run as a user runs it, and the import path it stands on: <c>rnngen import FILE.nam --out DIR</c>
/// compiles and computes what PyTorch computed for the same NAM weights; the committed Amp.cs and Amp.safetensors are
/// what that command writes from the committed amp.nam.
/// </summary>
[Collection(nameof(RepositoryBuilds))]
public sealed class AmpModelTests(SampleRuns runs) : IClassFixture<SampleRuns>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-amp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string NamFixture(string name) => Path.Combine(Repository.Root, "tests", "RnnGen.Tests", "Fixtures", "nam", name);

    private static string SampleFolder => Path.Combine(Repository.Root, "samples", "AmpModel");

    [Fact]
    public void With_no_arguments_it_runs_the_baked_amp_without_allocating_and_reports_its_figures()
    {
        SampleRun run = runs.Get("AmpModel");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Equal("allocated by the loop: 0 bytes (GC.GetAllocatedBytesForCurrentThread around it)", Assert.Single(run.Lines, l => l.StartsWith("allocated by the loop: ", StringComparison.Ordinal)));
        Assert.Contains(run.Lines, l => l.StartsWith("model: built-in amp.nam, input 1, LSTM(16), Dense(1) baked into the generated class Amp", StringComparison.Ordinal));
        Assert.Contains("input: built-in test signal (plucked notes, then a sine sweep), 4.00 s at 48000 Hz, 192,000 samples", run.Lines);
        Assert.Matches(new Regex(@"^real-time factor at 48 kHz: [\d,]+× \(4\.00 s of audio in [\d.]+ ms, generated code", RegexOptions.Multiline), run.Output);
        Assert.Matches(new Regex(@"^per-sample latency: p50 [\d.]+ ticks \([\d.]+ µs\), p99 [\d.]+ ticks \([\d.]+ µs\); Stopwatch ticks per sample over 400 blocks of 480 samples", RegexOptions.Multiline), run.Output);
        // The reference runtime, reading amp.nam at run time, gives the generated code's samples.
        Match delta = Regex.Match(run.Output, @"reference runtime, amp\.nam read at run time: max \|Δ\| (?<d>[\d.E+-]+) against the generated code");
        Assert.True(delta.Success, run.Output);
        Assert.True(double.Parse(delta.Groups["d"].Value, System.Globalization.CultureInfo.InvariantCulture) <= 1e-4, delta.Value);
        string verdict = Assert.Single(run.Lines, l => l.StartsWith("sounds like its amp: ESR ", StringComparison.Ordinal));
        Assert.EndsWith(".", verdict);
        Assert.DoesNotContain('\x1b', run.Output);
        Assert.DoesNotContain('\r', run.Output);

        // The output WAV: as long as the input, at 48 kHz, and distorted (not silence, not the input).
        string wav = Path.Combine(run.Folder, "amp-output", "output.wav");
        Assert.Contains($"output: {wav} (mono 32-bit float WAV, 48000 Hz)", run.Lines);
        (float[] samples, int rate) = WavFile.ReadMono(wav);
        Assert.Equal(48_000, rate);
        Assert.Equal(192_000, samples.Length);
        Assert.True(samples.Max() - samples.Min() > 0.3f, "the output is nearly silent");
        Assert.All(samples, s => Assert.True(float.IsFinite(s) && MathF.Abs(s) < 2f));
    }

    [Fact]
    public void A_WAV_of_yours_and_a_NAM_model_of_another_shape_run_in_the_reference_runtime()
    {
        string input = Path.Combine(_dir, "guitar.wav");
        using (var writer = new WaveFileWriter(input, new WaveFormat(48_000, 16, 1)))
        {
            var pcm = new short[12_000];
            for (int i = 0; i < pcm.Length; i++) pcm[i] = (short)(12_000 * Math.Sin(2 * Math.PI * 220 * i / 48_000.0) * Math.Exp(-i / 6000.0));
            writer.WriteSamples(pcm, 0, pcm.Length);
        }
        string output = Path.Combine(_dir, "out");
        SampleRun run = runs.Run("AmpModel", input, "--model", NamFixture("lstm_2x12.nam"), "--out", output);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(run.Lines, l => l.Contains("input 1, 2 × LSTM(12), Dense(1): not Amp's shape (input 1, LSTM(16), Dense(1)), so it runs in the reference runtime", StringComparison.Ordinal));
        Assert.Contains($"input: {input}, 0.25 s at 48000 Hz, 12,000 samples", run.Lines);
        Assert.Contains(run.Lines, l => l.StartsWith("real-time factor at 48 kHz: ", StringComparison.Ordinal) && l.EndsWith("reference runtime, Step(input, output))", StringComparison.Ordinal));
        Assert.Equal("allocated by the loop: 0 bytes (GC.GetAllocatedBytesForCurrentThread around it)", Assert.Single(run.Lines, l => l.StartsWith("allocated by the loop: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("sounds like its amp", run.Output);   // no verdict for a model it knows no target of
        (float[] samples, int rate) = WavFile.ReadMono(Path.Combine(output, "output.wav"));
        Assert.Equal((12_000, 48_000), (samples.Length, rate));

        // A model of Amp's shape runs in the generated code.
        run = runs.Run("AmpModel", input, "--model", Path.Combine(SampleFolder, "amp.nam"), "--out", output);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains(run.Lines, l => l.Contains("Amp's shape, so its weights run in the generated class Amp", StringComparison.Ordinal));
    }

    [Fact]
    public void Files_it_cannot_use_are_refused_with_exit_code_2_naming_the_file_and_the_format()
    {
        string stereo = Path.Combine(_dir, "stereo.wav");
        using (var writer = new WaveFileWriter(stereo, new WaveFormat(44_100, 16, 2)))
            writer.WriteSamples(new short[200], 0, 200);
        SampleRun run = runs.Run("AmpModel", stereo);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{stereo}: 2 channels (Pcm, 16-bit, 2 channels, 44100 Hz); AmpModel reads mono files", run.Output);

        string pcm24 = Path.Combine(_dir, "pcm24.wav");
        using (var writer = new WaveFileWriter(pcm24, new WaveFormat(48_000, 24, 1)))
            writer.Write(new byte[300], 0, 300);
        run = runs.Run("AmpModel", pcm24);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{pcm24}: Pcm, 24-bit, 1 channel, 48000 Hz; AmpModel reads mono 16-bit PCM or 32-bit float WAV files.", run.Output);

        string text = Path.Combine(_dir, "notes.wav");
        File.WriteAllText(text, "not audio at all");
        run = runs.Run("AmpModel", text);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{text}: not a WAV file AmpModel can read", run.Output);

        string wavenet = Path.Combine(_dir, "wavenet.nam");
        File.WriteAllText(wavenet, File.ReadAllText(NamFixture("lstm_1x8.nam")).Replace("\"architecture\": \"LSTM\"", "\"architecture\": \"WaveNet\"", StringComparison.Ordinal));
        run = runs.Run("AmpModel", "--model", wavenet);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{wavenet}: architecture \"WaveNet\" is not supported", run.Output);
    }

    private const int WavCases = 1500;

    /// <summary>Hostile WAV files (mutated and truncated, fixed seed): each reads, or fails with the documented
    /// InvalidDataException whose message starts with the path; never another exception, a crash or a hang.</summary>
    [Fact]
    public void Mutated_and_truncated_WAV_files_read_or_fail_with_an_InvalidDataException_naming_the_file()
    {
        byte[][] seeds = [Wav(new WaveFormat(48_000, 16, 1), 600), Wav(WaveFormat.CreateIeeeFloatWaveFormat(48_000, 1), 300), Wav(new WaveFormatExtensible(48_000, 16, 1), 400)];
        var random = new DeterministicRandom(4242);
        string path = Path.Combine(_dir, "case.wav");
        int read = 0, rejected = 0;
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < WavCases; i++)
        {
            byte[] b = (byte[])seeds[random.NextInt(seeds.Length)].Clone();
            string kind;
            switch (random.NextInt(5))
            {
                case 0:
                    kind = "truncation";
                    b = b[..random.NextInt(b.Length)];
                    break;
                case 1:
                    kind = "bit flips in the header";
                    for (int k = 1 + random.NextInt(4); k > 0; k--) b[random.NextInt(Math.Min(80, b.Length))] ^= (byte)(1 << random.NextInt(8));
                    break;
                case 2:
                {
                    kind = "a chunk or format field set to an extreme";
                    int at = 4 * random.NextInt(Math.Min(80, b.Length) / 4);
                    uint[] values = [0, 1, 2, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, (uint)b.Length, 3];
                    BitConverter.TryWriteBytes(b.AsSpan(at, 4), values[random.NextInt(values.Length)]);
                    break;
                }
                case 3:
                {
                    kind = "random bytes";
                    int at = random.NextInt(b.Length), length = 1 + random.NextInt(Math.Min(24, b.Length - at));
                    for (int k = 0; k < length; k++) b[at + k] = (byte)random.NextInt(256);
                    break;
                }
                default:
                    kind = "16-bit field";
                    BitConverter.TryWriteBytes(b.AsSpan(20 + 2 * random.NextInt(8), 2), (ushort)(random.NextInt(2) == 0 ? random.NextInt(4) : 0xFFFF - random.NextInt(3)));
                    break;
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            bool ok = HostileInput.AssertLoadsOrFailsNamingFile(path, b, p =>
            {
                (float[] samples, int rate) = WavFile.ReadMono(p);
                Assert.True(rate > 0 && samples.All(float.IsFinite), $"seed 4242, case {i} ({kind}): rate {rate} or a sample is not finite");
            }, $"seed 4242, case {i} ({kind})");
            if (ok) read++; else rejected++;
            if (clock.Elapsed > slowest) slowest = clock.Elapsed;
        }
        Assert.True(rejected > WavCases / 4, $"only {rejected} of {WavCases} rejected: the mutations are too mild");
        Assert.True(read > 0, "nothing read: the mutations never keep a file valid");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a case took {slowest}");
    }

    private static byte[] Wav(WaveFormat format, int samples)
    {
        using var stream = new MemoryStream();
        using (var writer = new WaveFileWriter(new IgnoreDispose(stream), format))
        {
            var data = new byte[samples * format.BlockAlign];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 37);
            if (format.Encoding == WaveFormatEncoding.IeeeFloat)
                for (int i = 0; i < samples; i++) BitConverter.TryWriteBytes(data.AsSpan(4 * i), MathF.Sin(i * 0.1f));
            writer.Write(data, 0, data.Length);
        }
        return stream.ToArray();
    }

    private sealed class IgnoreDispose(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }

    /// <summary>Import → compile → run: what <c>rnngen import FILE.nam --out DIR</c> writes compiles with the weights
    /// baked in and computes what PyTorch computed for the same NAM weights (tools/make_nam_fixtures.py).</summary>
    [Theory]
    [InlineData("lstm_1x8")]
    [InlineData("lstm_2x12")]
    public void Import_out_of_a_nam_file_compiles_and_reproduces_torch(string name)
    {
        string project = Path.Combine(_dir, name);
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "App.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        var (code, output) = Rnngen("import", NamFixture(name + ".nam"), "--class", "NamModel", "--namespace", "Amps", "--out", project);
        Assert.True(code == 0, output);
        Assert.Contains("layers.0.bias_hh_l0 [", output);
        Assert.Contains("← zero (NAM stores the sum of both biases in bias_ih)", output);
        Assert.Contains("(Weights = \"NamModel.safetensors\": baked in at compile time)", output);
        string declaration = File.ReadAllText(Path.Combine(project, "NamModel.cs"));
        Assert.Contains("[RnnModel(InputSize = 1, MaxSteps = 4096, Weights = \"NamModel.safetensors\")]", declaration);
        Assert.Contains("LearnInitialState = true)]", declaration);

        using var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(NamFixture(name + ".expected.json")));
        float[] input = expected.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        float[] want = expected.RootElement.GetProperty("output").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        float[] got = ImportedProject.Run(project, "Amps.NamModel", input, input.Length);
        Assert.Equal(want.Length, got.Length);
        for (int t = 0; t < want.Length; t++)
            Assert.True(MathF.Abs(want[t] - got[t]) <= 1e-5f, $"{name} step {t}: torch {want[t]}, generated {got[t]}");
    }

    /// <summary>The sample's Amp.cs and Amp.safetensors are exactly what its documented command writes from amp.nam.</summary>
    [Fact]
    public void The_committed_Amp_files_are_what_rnngen_import_writes_from_amp_nam()
    {
        string project = Path.Combine(_dir, "AmpModel");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "AmpModel.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        File.Copy(Path.Combine(SampleFolder, "amp.nam"), Path.Combine(project, "amp.nam"));
        var (code, output) = Rnngen("import", Path.Combine(project, "amp.nam"), "--out", project);
        Assert.True(code == 0, output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(SampleFolder, "Amp.safetensors")), File.ReadAllBytes(Path.Combine(project, "Amp.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(SampleFolder, "Amp.cs")).ReplaceLineEndings("\n"), File.ReadAllText(Path.Combine(project, "Amp.cs")).ReplaceLineEndings("\n"));
    }

    private (int Code, string Output) Rnngen(params string[] arguments) => RnngenTool.Run(_dir, arguments);
}
