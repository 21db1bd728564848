using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using RnnGen.Safetensors;
using RnnGen.Training;
using Xunit.Abstractions;

namespace RnnGen.Tests.Safetensors;

/// <summary>
/// Hostile input: thousands of mutated and truncated safetensors files from a fixed seed. Every file
/// must either load or fail with the documented <see cref="InvalidDataException"/> naming the file — never another
/// exception (an out-of-range read would surface as IndexOutOfRange/ArgumentOutOfRange), a crash or a hang.
/// </summary>
public sealed class SafetensorsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 4000;
    private readonly string _dir = Directory.CreateTempSubdirectory("rnngen-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Numbers = ["-1", "0", "18446744073709551615", "9223372036854775807", "9223372036854775808", "1e308", "4294967296", "2147483648", "3.5", "00", "-0", "1" + new string('0', 40)];
    private static readonly byte[] JsonBytes = Encoding.ASCII.GetBytes("{}[]\":,-0123456789e.E+ \\u\t\n");

    [Fact]
    public void Mutated_and_truncated_files_load_or_fail_with_a_clear_InvalidDataException()
    {
        // Seeds: a model file (two layers, bidirectional LSTM) and a trainer checkpoint (metadata, optimizer state).
        var spec = new NetworkSpec(3, [LayerSpec.Lstm(5, bidirectional: true), LayerSpec.Dense(2)], 8);
        var net = new ReferenceNetwork(spec);
        net.InitializeParameters(1);
        string modelPath = Path.Combine(_dir, "model.safetensors");
        net.SaveSafetensors(modelPath);
        byte[][] seeds = [File.ReadAllBytes(modelPath), CheckpointBytes()];

        var random = new DeterministicRandom(2026);
        string path = Path.Combine(_dir, "case.safetensors");
        int loaded = 0, rejected = 0;
        var kinds = new Dictionary<string, int>();
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < Cases; i++)
        {
            byte[] seed = seeds[random.NextInt(seeds.Length)];
            (byte[] bytes, string kind) = Mutate(seed, ref random);
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            File.WriteAllBytes(path, bytes);
            var clock = Stopwatch.StartNew();
            try
            {
                SafetensorsFile file = SafetensorsFile.Open(path);
                foreach (string name in file.Tensors.Keys)
                {
                    try { file.ReadFloat32(name); }
                    catch (InvalidDataException e) { AssertClear(e, path, i, kind); }
                }
                net.LoadSafetensors(path, new Dictionary<string, string>(), ignoreUnusedTensors: true);
                loaded++;
            }
            catch (InvalidDataException e)
            {
                AssertClear(e, path, i, kind);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} ({kind}): {e.GetType().Name}: {e.Message} — only InvalidDataException is documented");
            }
            if (clock.Elapsed > slowest) slowest = clock.Elapsed;
        }
        output.WriteLine($"{Cases} cases ({string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}): {loaded} loaded, {rejected} rejected with InvalidDataException; slowest case {slowest.TotalMilliseconds:F1} ms");
        Assert.True(rejected > Cases / 2, $"only {rejected} rejections: the mutations are too mild");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a case took {slowest}");
    }

    private static void AssertClear(InvalidDataException e, string path, int i, string kind)
    {
        Assert.False(string.IsNullOrWhiteSpace(e.Message), $"case {i} ({kind}): empty message");
        Assert.True(e.Message.Contains(path, StringComparison.Ordinal), $"case {i} ({kind}): the message does not name the file: {e.Message}");
    }

    private byte[] CheckpointBytes()
    {
        var net = new ReferenceNetwork(new NetworkSpec(2, [LayerSpec.Gru(3), LayerSpec.Dense(1)], 4));
        string checkpoint = Path.Combine(_dir, "checkpoint.safetensors");
        using (var trainer = new Trainer(() => new ReferenceNetwork(net.Spec), new RnnGen.Optimization.Adam(0.01f),
                   new TrainerOptions { BatchSize = 2, Epochs = 1, Seed = 1, CheckpointPath = checkpoint, CheckpointEvery = 1 }))
        {
            var data = Enumerable.Range(0, 4).Select(k => Sequence.FromFloats([k, 1, 2, k, 0, 1], 3, new float[] { 1, 0, 1 })).ToArray();
            trainer.Fit(data);
        }
        return File.ReadAllBytes(checkpoint);
    }

    private static (byte[] Bytes, string Kind) Mutate(byte[] seed, ref DeterministicRandom random)
    {
        byte[] b = (byte[])seed.Clone();
        long headerLength = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(b), (ulong)(b.Length - 8));
        int headerEnd = 8 + (int)headerLength;
        switch (random.NextInt(8))
        {
            case 0:
                for (int k = 1 + random.NextInt(8); k > 0; k--) b[random.NextInt(b.Length)] ^= (byte)(1 << random.NextInt(8));
                return (b, "bit flips");
            case 1:
            {
                int at = random.NextInt(b.Length), length = 1 + random.NextInt(Math.Min(16, b.Length - at));
                for (int k = 0; k < length; k++) b[at + k] = (byte)random.NextInt(256);
                return (b, "random bytes");
            }
            case 2:
                return (b[..random.NextInt(b.Length)], "truncation");
            case 3:
                for (int k = 1 + random.NextInt(3); k > 0; k--) b[8 + random.NextInt(headerEnd - 8)] = JsonBytes[random.NextInt(JsonBytes.Length)];
                return (b, "header characters");
            case 4:
            {
                ulong[] lengths = [0, 1, 2, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)b.Length, ulong.MaxValue, long.MaxValue, 1UL << 32, 100_000_001];
                BinaryPrimitives.WriteUInt64LittleEndian(b, lengths[random.NextInt(lengths.Length)]);
                return (b, "header length");
            }
            case 5:
            {
                // Replace one number in the header by an extreme one (offsets, shapes), keeping the header length right.
                string header = Encoding.UTF8.GetString(b, 8, headerEnd - 8);
                var digits = Enumerable.Range(0, header.Length).Where(k => char.IsAsciiDigit(header[k]) && (k == 0 || !char.IsAsciiDigit(header[k - 1]))).ToArray();
                if (digits.Length == 0) return (b, "numbers");
                int start = digits[random.NextInt(digits.Length)], end = start;
                while (end < header.Length && char.IsAsciiDigit(header[end])) end++;
                string edited = header[..start] + Numbers[random.NextInt(Numbers.Length)] + header[end..];
                return (Rebuild(edited, b.AsSpan(headerEnd)), "numbers");
            }
            case 6:
            {
                // Insert or delete a few header bytes, fixing up the length field (so the JSON itself is what breaks).
                string header = Encoding.UTF8.GetString(b, 8, headerEnd - 8);
                int at = random.NextInt(header.Length);
                string edited = random.NextInt(2) == 0
                    ? header.Remove(at, Math.Min(1 + random.NextInt(4), header.Length - at))
                    : header.Insert(at, ((char)JsonBytes[random.NextInt(JsonBytes.Length)]).ToString());
                return (Rebuild(edited, b.AsSpan(headerEnd)), "header edits");
            }
            default:
            {
                // Extra or missing data after the header.
                int delta = random.NextInt(64) - 32;
                byte[] c = new byte[Math.Max(headerEnd, b.Length + delta)];
                Array.Copy(b, c, Math.Min(b.Length, c.Length));
                return (c, "data length");
            }
        }
    }

    private static byte[] Rebuild(string header, ReadOnlySpan<byte> data)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        byte[] b = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)h.Length);
        h.CopyTo(b, 8);
        data.CopyTo(b.AsSpan(8 + h.Length));
        return b;
    }
}
