using System.Diagnostics;
using System.Globalization;
using RnnGen.Kernels;
using RnnGen.Optimization;
using RnnGen.Training;

namespace RnnGen.Benchmarks;

/// <summary>
/// One char-LM update taken apart into the phases the <see cref="Trainer"/> runs, each timed on its own (median of
/// many repetitions, µs), with the same public pieces the Trainer uses:
///   push      the master parameters copied to the shared buffer (serial)
///   load      a worker copies them into its replica (one per worker, in parallel)
///   repack    the replica's transposed weight copies rebuilt (inside the first forward pass after the load)
///   forward   the batched forward pass of every shard (tile = BatchTile sequences per pass)
///   backward  BPTT of every shard (loss, weight and input gradients)
///   gradcopy  each shard's gradients copied out, and zeroed for the next shard
///   reduce    the shard gradients summed in shard order and scaled to the mean (serial)
///   clip      the global norm and the clip to 5 (serial)
///   adam      Adam over every parameter (serial)
/// With two workers the parallel phases (load … gradcopy) split over the cores and the serial ones do not; the mode
/// also runs the parallel part on two threads at once to show what the second core costs the first (bandwidth, L3).
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training-phases
/// </summary>
public static class TrainingPhases
{
    public static int Run(TextWriter output)
    {
        var (peak256, peak512) = PeakFlops.Measure(TextWriter.Null);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PEAK gflops256={peak256:F1} gflops512={peak512:F1} cores={Environment.ProcessorCount}"));
        foreach (var (name, factory, batch, shards) in new (string, Func<IRecurrentNetwork>, int, int)[]
        {
            ("lstm128", () => new CharLmLstm128(), 32, 8),
            ("lstm128", () => new CharLmLstm128(), 32, 4),
            ("gru128", () => new CharLmGru128(), 32, 8),
            ("gru128", () => new CharLmGru128(), 32, 4),
            ("lstm128", () => new CharLmLstm128(), 1, 1),
            ("lstm32", () => new CharLmLstm32(), 1, 1),
        })
            Profile(output, name, factory, batch, shards);
        return 0;
    }

    private static void Profile(TextWriter output, string name, Func<IRecurrentNetwork> factory, int batch, int shards)
    {
        IRecurrentNetwork master = factory();
        master.InitializeParameters(1);
        int n = master.ParameterCount, steps = 64;
        int perShard = batch / shards;
        var replicas = new[] { factory(), factory() };
        float[] shared = new float[n];
        float[][] shardGradients = new float[shards][];
        for (int s = 0; s < shards; s++) shardGradients[s] = new float[n];
        var adam = new Adam(2e-3f);
        Sequence[] data = TrainingBenchmark.Windows(batch);
        int[] tokens = new int[batch * steps], ids = new int[batch * steps];
        for (int b = 0; b < batch; b++) { data[b].Tokens!.CopyTo(tokens, b * steps); data[b].ClassIds!.CopyTo(ids, b * steps); }
        float[][] outputs = [new float[batch * steps * master.OutputSize], new float[batch * steps * master.OutputSize]];
        master.Parameters.CopyTo(shared);
        foreach (IRecurrentNetwork r in replicas) shared.CopyTo(r.Parameters);

        // One shard's forward and backward through the batched kernels (as the Trainer's Batch does).
        void Forward(IRecurrentNetwork r, int s, float[] y)
        {
            var rb = (IBatchedNetwork)r;
            int at = s * perShard * steps;
            rb.ForwardBatch(tokens.AsSpan(at, perShard * steps), perShard, steps, y.AsSpan(at * r.OutputSize, perShard * steps * r.OutputSize), default, default);
        }
        float Backward(IRecurrentNetwork r, int s) => ((IBatchedNetwork)r).BackwardBatch(ids.AsSpan(s * perShard * steps, perShard * steps));
        void WorkerPart(IRecurrentNetwork r, float[] y, int first, int stride)
        {
            shared.CopyTo(r.Parameters);
            for (int s = first; s < shards; s += stride)
            {
                r.ZeroGradients();
                Forward(r, s, y);
                Backward(r, s);
                r.Gradients.CopyTo(shardGradients[s]);
            }
        }

        IRecurrentNetwork a = replicas[0];
        var phases = new List<(string Phase, double Us, bool Serial)>
        {
            ("push", MedianTimer.Time(() => master.Parameters.CopyTo(shared)), true),
            ("load", MedianTimer.Time(() => shared.CopyTo(a.Parameters)), false),
        };
        // Repack: a forward pass after a parameter load, less one without.
        double forwardPacked = MedianTimer.Time(() => { for (int s = 0; s < shards; s++) Forward(a, s, outputs[0]); });
        double oneShard = MedianTimer.Time(() => Forward(a, 0, outputs[0]));
        double oneShardRepacked = MedianTimer.Time(() => { _ = a.Parameters; Forward(a, 0, outputs[0]); });
        phases.Add(("repack", Math.Max(0, oneShardRepacked - oneShard), false));
        phases.Add(("forward", forwardPacked, false));
        double both = MedianTimer.Time(() => { for (int s = 0; s < shards; s++) { Forward(a, s, outputs[0]); Backward(a, s); } });
        phases.Add(("backward", Math.Max(0, both - forwardPacked), false));
        phases.Add(("gradcopy", MedianTimer.Time(() => { for (int s = 0; s < shards; s++) { a.Gradients.CopyTo(shardGradients[s]); a.ZeroGradients(); } }), false));
        phases.Add(("reduce", MedianTimer.Time(() =>
        {
            Span<float> g = master.Gradients;
            shardGradients[0].CopyTo(g);
            for (int s = 1; s < shards; s++) VectorKernels.Add(shardGradients[s], g);
            System.Numerics.Tensors.TensorPrimitives.Multiply(g, 1f / batch, g);
        }), true));
        phases.Add(("clip", MedianTimer.Time(() => GradientClipping.ClipByGlobalNorm(master.Gradients, 5f)), true));
        phases.Add(("adam", MedianTimer.Time(() => adam.Step(master.Parameters, master.Gradients)), true));

        double serial = phases.Where(p => p.Serial).Sum(p => p.Us), parallel = phases.Where(p => !p.Serial).Sum(p => p.Us);
        foreach (var (phase, us, isSerial) in phases)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"PHASE model={name} batch={batch} shards={shards} phase={phase} kind={(isSerial ? "serial" : "parallel")} us={us:F1} share={100 * us / (serial + parallel):F1}"));
        // The parallel part whole, on one thread and on two at once (each thread its replica and half the shards).
        double one = MedianTimer.Time(() => WorkerPart(a, outputs[0], 0, 1));
        double two = batch > 1 && Environment.ProcessorCount > 1 ? MedianTimer.TimeTwo(() => WorkerPart(replicas[0], outputs[0], 0, 2), () => WorkerPart(replicas[1], outputs[1], 1, 2)) : double.NaN;
        double predicted = serial + (double.IsNaN(two) ? parallel : two);
        if (double.IsNaN(two))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"PHASES model={name} batch={batch} shards={shards} serial_us={serial:F1} parallel_one_thread_us={one:F1} update_one_worker_us={serial + one:F1}"));
            return;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"PHASES model={name} batch={batch} shards={shards} serial_us={serial:F1} parallel_one_thread_us={one:F1} parallel_two_threads_us={two:F1} " +
            $"update_one_worker_us={serial + one:F1} update_two_workers_us={predicted:F1} speedup_two={(serial + one) / predicted:F2} " +
            $"speedup_no_serial={one / two:F2} amdahl_limit={(serial + one) / (serial + one / 2):F2}"));
    }
}
