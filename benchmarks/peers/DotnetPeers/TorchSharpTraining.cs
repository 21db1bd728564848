using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.Peers;

/// <summary>
/// TorchSharp (LibTorch) training the char-LM the way RnnGen's training rows do: Embedding(65, 32) → LSTM(128) /
/// GRU(128) / LSTM(32) (batch first) → Linear(65), T = 64, mean cross-entropy over every step, Adam(2e-3),
/// clip_grad_norm_(5). One update is zero_grad, forward, loss, backward, clip, step, on a batch of 32 (or 1) windows of
/// 64 random tokens (fixed seed; the batch cycles through 8 prepared batches). <c>torch.set_num_threads(threads)</c>.
/// 3 s of updates as warm-up (long enough for .NET to finish promoting the hot methods to optimised code), then 7 repetitions of ≥ 250 ms of updates; one line per row:
/// <c>RESULT peer=torchsharp mode=training model=lstm128 batch=32 workers=1 updates=N median_ms=… min_ms=… max_ms=… checksum=…</c>
/// </summary>
internal static class TorchSharpTraining
{
    public static readonly (string Name, int Batch)[] Rows = [("lstm128", 32), ("gru128", 32), ("lstm128", 1), ("lstm32", 1)];

    public static int Run(int threads)
    {
        torch.set_num_threads(threads);
        torch.set_num_interop_threads(1);
        torch.manual_seed(1);
        Console.WriteLine($"# peer=torchsharp mode=training threads={threads} torch_threads={torch.get_num_threads()} runtime={Environment.Version}");
        foreach (var (name, batch) in Rows)
        {
            if (batch == 1 && threads > 1) continue;
            int hidden = name == "lstm32" ? 32 : 128;
            using var model = new CharLm(name.StartsWith("gru", StringComparison.Ordinal), hidden);
            var parameters = model.parameters().ToList();
            var adam = torch.optim.Adam(parameters, 2e-3);
            var random = new Random(5);
            var batches = new (Tensor X, Tensor Y)[8];
            for (int b = 0; b < batches.Length; b++)
            {
                long[] tokens = new long[batch * 65];
                for (int i = 0; i < tokens.Length; i++) tokens[i] = random.Next(65);
                using Tensor all = tensor(tokens, [batch, 65]);
                batches[b] = (all[.., ..64].contiguous(), all[.., 1..].contiguous().reshape(-1));
            }
            int next = 0;
            double RunUpdates(int count)
            {
                long start = Stopwatch.GetTimestamp();
                for (int u = 0; u < count; u++)
                {
                    using DisposeScope scope = NewDisposeScope();
                    (Tensor x, Tensor y) = batches[next++ % batches.Length];
                    adam.zero_grad();
                    Tensor logits = model.call(x).reshape(-1, 65);
                    Tensor loss = nn.functional.cross_entropy(logits, y);
                    loss.backward();
                    nn.utils.clip_grad_norm_(parameters, 5.0);
                    adam.step();
                }
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds / count;
            }
            var warm = Stopwatch.StartNew();
            double perUpdate = RunUpdates(3);
            while (warm.ElapsedMilliseconds < 3000) perUpdate = RunUpdates(Math.Max(1, (int)(100 / perUpdate)));
            int updates = Math.Max(10, (int)Math.Ceiling(250 / perUpdate));
            double[] reps = new double[7];
            for (int r = 0; r < reps.Length; r++) reps[r] = RunUpdates(updates);
            Array.Sort(reps);
            double checksum = 0;
            using (no_grad())
                foreach (Parameter p in parameters) checksum += p.sum().item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT peer=torchsharp mode=training model={name} batch={batch} workers={threads} updates={updates} median_ms={reps[3]:F4} min_ms={reps[0]:F4} max_ms={reps[^1]:F4} checksum={checksum:R}"));
            foreach (var (x, y) in batches) { x.Dispose(); y.Dispose(); }
            adam.Dispose();
        }
        return 0;
    }

    private sealed class CharLm : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding _embedding;
        private readonly LSTM? _lstm;
        private readonly GRU? _gru;
        private readonly Linear _head;

        public CharLm(bool gru, int hidden)
            : base("charlm")
        {
            _embedding = nn.Embedding(65, 32);
            if (gru) _gru = nn.GRU(32, hidden, batchFirst: true);
            else _lstm = nn.LSTM(32, hidden, batchFirst: true);
            _head = nn.Linear(hidden, 65);
            RegisterComponents();
        }

        public override Tensor forward(Tensor tokens)
        {
            Tensor e = _embedding.call(tokens);
            Tensor h = _lstm is not null ? _lstm.call(e).Item1 : _gru!.call(e).Item1;
            return _head.call(h);
        }
    }
}
