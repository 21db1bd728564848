using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RnnGen.Benchmarks;

/// <summary>
/// ns per streaming step against hidden size (LSTM 32 → H → Dense 32, H = 8 … 512) for the generated model and
/// the reference runtime, plus PyTorch when <c>benchmarks/pytorch_scaling.py</c> has written its CSV. Writes
/// <c>benchmarks/results/scaling.csv</c> and <c>benchmarks/results/scaling.svg</c> (log–log, with the points where
/// the weights outgrow L1 and L2 marked).
///   python3 benchmarks/pytorch_scaling.py        (optional; Debian's python3-torch)
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- scaling
/// </summary>
public static class Scaling
{
    private const int Input = 32;

    public static void Run(string resultsDirectory, TextWriter output)
    {
        Directory.CreateDirectory(resultsDirectory);
        var rows = new List<(int Hidden, double Generated, double Reference, double? PyTorch, long WeightBytes)>();
        Dictionary<int, double> torch = ReadPyTorch(Path.Combine(resultsDirectory, "pytorch-scaling.csv"));
        output.WriteLine("hidden | weight bytes | generated ns/step | reference ns/step | PyTorch ns/step");
        foreach (var (hidden, create) in Models.Scaling)
        {
            IRecurrentNetwork generated = create();
            var reference = new ReferenceNetwork(generated.Spec);
            generated.InitializeParameters(1);
            reference.InitializeParameters(1);
            long weights = 4L * (4L * hidden * (Input + hidden) + 32L * hidden);
            double g = NanosecondsPerStep(generated), r = NanosecondsPerStep(reference);
            double? t = torch.TryGetValue(hidden, out double value) ? value : null;
            rows.Add((hidden, g, r, t, weights));
            output.WriteLine($"{hidden,6} | {weights,12:N0} | {g,17:N0} | {r,17:N0} | {(t is null ? "-" : t.Value.ToString("N0", CultureInfo.InvariantCulture)),15}");
        }
        var csv = new StringBuilder("hidden,weight_bytes,generated_ns,reference_ns,pytorch_ns\n");
        foreach (var row in rows)
            csv.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{row.Hidden},{row.WeightBytes},{row.Generated:F1},{row.Reference:F1},{row.PyTorch?.ToString("F1", CultureInfo.InvariantCulture) ?? ""}"));
        RnnGen.Safetensors.AtomicFile.Write(Path.Combine(resultsDirectory, "scaling.csv"), s => s.Write(Encoding.UTF8.GetBytes(csv.ToString())));
        string svg = Plot(rows, CacheBytes(1), CacheBytes(2));
        RnnGen.Safetensors.AtomicFile.Write(Path.Combine(resultsDirectory, "scaling.svg"), s => s.Write(Encoding.UTF8.GetBytes(svg)));
        output.WriteLine($"wrote {Path.Combine(resultsDirectory, "scaling.csv")} and scaling.svg");
    }

    /// <summary>Median of 5 timed runs of streaming steps, each run at least ~100 ms, after ~300 ms of warm-up
    /// (so that tiered JIT has produced optimised code).</summary>
    private static double NanosecondsPerStep(IRecurrentNetwork net)
    {
        var input = new float[Input];
        var output = new float[net.OutputSize];
        for (int i = 0; i < Input; i++) input[i] = MathF.Sin(i);
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalMilliseconds < 300) net.Step(input, output);
        int count = 16;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) net.Step(input, output);
            if (clock.Elapsed.TotalMilliseconds > 100) break;
            count *= 2;
        }
        var samples = new double[5];
        for (int run = 0; run < samples.Length; run++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) net.Step(input, output);
            samples[run] = clock.Elapsed.TotalNanoseconds / count;
        }
        Array.Sort(samples);
        return samples[samples.Length / 2];
    }

    private static Dictionary<int, double> ReadPyTorch(string path)
    {
        var result = new Dictionary<int, double>();
        if (!File.Exists(path)) return result;
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            string[] parts = line.Split(',');
            if (parts.Length >= 2 && int.TryParse(parts[0], out int h) && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double ns))
                result[h] = ns;
        }
        return result;
    }

    private static long CacheBytes(int level)
    {
        try
        {
            foreach (string index in Directory.EnumerateDirectories("/sys/devices/system/cpu/cpu0/cache", "index*"))
            {
                string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                if (File.ReadAllText(Path.Combine(index, "level")).Trim() != level.ToString(CultureInfo.InvariantCulture) || type == "Instruction") continue;
                string size = File.ReadAllText(Path.Combine(index, "size")).Trim();
                long factor = size.EndsWith('K') ? 1024 : size.EndsWith('M') ? 1024 * 1024 : 1;
                return long.Parse(size.TrimEnd('K', 'M'), CultureInfo.InvariantCulture) * factor;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    private static string TimeLabel(double ns) => ns switch
    {
        >= 1e6 => $"{ns / 1e6:G} ms",
        >= 1e3 => $"{ns / 1e3:G} µs",
        _ => $"{ns:G} ns",
    };

    private static string Plot(List<(int Hidden, double Generated, double Reference, double? PyTorch, long WeightBytes)> rows, long l1, long l2)
    {
        const int width = 720, height = 440, left = 70, right = 20, top = 40, bottom = 60;
        double xMin = Math.Log2(rows[0].Hidden), xMax = Math.Log2(rows[^1].Hidden);
        double yMin = Math.Floor(Math.Log10(rows.Min(r => r.Generated))), yMax = Math.Ceiling(Math.Log10(rows.Max(r => Math.Max(r.Reference, r.PyTorch ?? 0))));
        double X(double hidden) => left + (Math.Log2(hidden) - xMin) / (xMax - xMin) * (width - left - right);
        double Y(double ns) => top + (yMax - Math.Log10(ns)) / (yMax - yMin) * (height - top - bottom);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">LSTM 32 → H → Dense 32: ns per streaming step (log–log)</text>");
        for (double e = yMin; e <= yMax; e++)
        {
            double y = Y(Math.Pow(10, e));
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{y:F1}\" x2=\"{width - right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/><text x=\"{left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{TimeLabel(Math.Pow(10, e))}</text>");
        }
        foreach (var row in rows)
        {
            double x = X(row.Hidden);
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{top}\" x2=\"{x:F1}\" y2=\"{height - bottom}\" stroke=\"#eee\"/><text x=\"{x:F1}\" y=\"{height - bottom + 18}\" text-anchor=\"middle\">{row.Hidden}</text>");
        }
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"{height - 20}\" text-anchor=\"middle\">hidden size H</text>");
        foreach (var (bytes, label) in new[] { (l1, "L1"), (l2, "L2") })
        {
            // the hidden size at which the weights (≈ 4·4·H·(32 + H) bytes) outgrow this cache
            if (bytes <= 0) continue;
            double h = (-32 + Math.Sqrt(32.0 * 32 + 4.0 * bytes / 16)) / 2;
            if (h < rows[0].Hidden || h > rows[^1].Hidden) continue;
            double x = X(h);
            bool nearRight = x > width - 200;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{top}\" x2=\"{x:F1}\" y2=\"{height - bottom}\" stroke=\"#c60\" stroke-dasharray=\"4 3\"/><text x=\"{(nearRight ? x - 4 : x + 4):F1}\" y=\"{top + 14}\" fill=\"#c60\" text-anchor=\"{(nearRight ? "end" : "start")}\">weights &gt; {label} ({bytes / 1024:N0} KiB)</text>");
        }
        void Series(string name, string color, Func<(int Hidden, double Generated, double Reference, double? PyTorch, long WeightBytes), double?> value, int legend)
        {
            var points = rows.Where(r => value(r) is > 0).Select(r => $"{X(r.Hidden):F1},{Y(value(r)!.Value):F1}").ToList();
            if (points.Count == 0) return;
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', points)}\"/>");
            foreach (string p in points) svg.AppendLine($"<circle cx=\"{p.Split(',')[0]}\" cy=\"{p.Split(',')[1]}\" r=\"3\" fill=\"{color}\"/>");
            int ly = top + 10 + legend * 18;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{left + 10}\" y1=\"{ly}\" x2=\"{left + 34}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{left + 40}\" y=\"{ly + 4}\">{name}</text>");
        }
        Series("RnnGen generated", "#1f77b4", r => r.Generated, 1);
        Series("RnnGen reference runtime", "#7f7f7f", r => r.Reference, 2);
        Series("PyTorch 1.13 (one thread)", "#d62728", r => r.PyTorch, 3);
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
