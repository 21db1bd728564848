using System.Diagnostics;
using System.Globalization;
using RnnGen.Generated;
using RnnGen.Kernels;
using RnnGen.Training;

namespace RnnGen.Benchmarks;

/// <summary>
/// The pieces of one char-LM shard pass at batch 32, by sequences per shard (4, 8, 16, 32): the recurrent product
/// W_hh·h for every step, the input product W_ih·x, the LSTM cell's element-wise part, and the whole ForwardBatch and
/// BackwardBatch of the generated model, each in µs for all 32 sequences and 64 steps (median of ≥ 200 ms).
///   dotnet run -c Release --project benchmarks/RnnGen.Benchmarks -- training-kernels
/// </summary>
public static class TrainingKernels
{
    public static int Run(TextWriter output)
    {
        const int H = 128, E = 32, G = 4 * H, T = 64, B = 32;
        var rng = new Random(1);
        float[] whh = new float[G * H], wih = new float[G * E];
        for (int i = 0; i < whh.Length; i++) whh[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
        for (int i = 0; i < wih.Length; i++) wih[i] = (float)(rng.NextDouble() - 0.5) * 0.1f;
        float[] packedHh = new float[G * H], packedIh = new float[G * E];
        VectorKernels.Transpose(whh, packedHh, G, H);
        VectorKernels.Transpose(wih, packedIh, G, E);
        int cw = 5 * H;
        Sequence[] data = TrainingBenchmark.Windows(B);
        int[] tokens = new int[B * T], ids = new int[B * T];
        for (int b = 0; b < B; b++) { data[b].Tokens!.CopyTo(tokens, b * T); data[b].ClassIds!.CopyTo(ids, b * T); }
        var model = new CharLmLstm128();
        model.InitializeParameters(1);
        float[] y = new float[B * T * CharLmLstm128.OutputSize];
        foreach (int tile in new[] { 4, 8, 16, 32 })
        {
            int shards = B / tile;
            float[] states = new float[tile * (T + 1) * 2 * H], cache = new float[tile * T * cw], x = new float[tile * T * E];
            for (int i = 0; i < states.Length; i++) states[i] = (float)(rng.NextDouble() - 0.5);
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
            int ss = (T + 1) * 2 * H, sc = T * cw;
            double hh = MedianTimer.Time(() =>
            {
                for (int s = 0; s < shards; s++)
                    for (int t = 0; t < T; t++) VectorKernels.PackedMatMatAdd(packedHh, states, t * 2 * H, ss, cache, t * cw, sc, tile, G, H);
            });
            double ih = MedianTimer.Time(() =>
            {
                for (int s = 0; s < shards; s++)
                    for (int t = 0; t < T; t++) VectorKernels.PackedMatMatAdd(packedIh, x, t * E, T * E, cache, t * cw, sc, tile, G, E);
            });
            double cell = MedianTimer.Time(() =>
            {
                for (int s = 0; s < shards; s++)
                    for (int t = 0; t < T; t++)
                        for (int b = 0; b < tile; b++)
                        {
                            Span<float> z = cache.AsSpan(b * sc + t * cw, cw);
                            z.Slice(0, G).Fill(0.1f);
                            LstmCell.Forward(z.Slice(0, G), states.AsSpan(b * ss + t * 2 * H + H, H), states.AsSpan(b * ss + (t + 1) * 2 * H + H, H),
                                states.AsSpan(b * ss + (t + 1) * 2 * H, H), z.Slice(G, H), H);
                        }
            });
            float[] dz = new float[tile * T * G], grad = new float[G * H];
            for (int i = 0; i < dz.Length; i++) dz[i] = (float)(rng.NextDouble() - 0.5);
            double dw = MedianTimer.Time(() =>
            {
                for (int s = 0; s < shards; s++) VectorKernels.AddOuterProducts(grad, dz, 0, G, states, 0, 2 * H, T, G, H, tile, T * G, ss);
            });
            double forward = double.NaN, backward = double.NaN;
            if (tile <= CharLmLstm128.BatchTile)
            {
                forward = MedianTimer.Time(() =>
                {
                    for (int s = 0; s < shards; s++)
                        model.ForwardBatch(tokens.AsSpan(s * tile * T, tile * T), tile, T, y.AsSpan(s * tile * T * CharLmLstm128.OutputSize, tile * T * CharLmLstm128.OutputSize), default, default);
                });
                double both = MedianTimer.Time(() =>
                {
                    for (int s = 0; s < shards; s++)
                    {
                        model.ForwardBatch(tokens.AsSpan(s * tile * T, tile * T), tile, T, y.AsSpan(s * tile * T * CharLmLstm128.OutputSize, tile * T * CharLmLstm128.OutputSize), default, default);
                        model.BackwardBatch(ids.AsSpan(s * tile * T, tile * T));
                    }
                });
                backward = both - forward;
            }
            double flopHh = 2.0 * G * H * B * T, flopIh = 2.0 * G * E * B * T;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"KERNELS tile={tile} whh_us={hh:F1} whh_gflops={flopHh / hh / 1e3:F1} wih_us={ih:F1} wih_gflops={flopIh / ih / 1e3:F1} cell_us={cell:F1} dwhh_us={dw:F1} dwhh_gflops={flopHh / dw / 1e3:F1} forward_us={forward:F1} backward_us={backward:F1}"));
        }
        // Two cores: each thread its own model and half of the 32 sequences, against one thread doing all of them.
        var second = new CharLmLstm128();
        second.InitializeParameters(1);
        float[] y2 = new float[y.Length];
        foreach (int tile in new[] { 2, 4, 8 })
        {
            int shards = B / tile;
            void Part(CharLmLstm128 m, float[] yy, int first, int stride)
            {
                for (int s = first; s < shards; s += stride)
                {
                    m.ForwardBatch(tokens.AsSpan(s * tile * T, tile * T), tile, T, yy.AsSpan(s * tile * T * CharLmLstm128.OutputSize, tile * T * CharLmLstm128.OutputSize), default, default);
                    m.BackwardBatch(ids.AsSpan(s * tile * T, tile * T));
                }
            }
            double one = MedianTimer.Time(() => Part(model, y, 0, 1));
            double two = MedianTimer.TimeTwo(() => Part(model, y, 0, 2), () => Part(second, y2, 1, 2));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SCALING tile={tile} one_thread_us={one:F1} two_threads_us={two:F1} speedup={one / two:F2}"));
        }
        return 0;
    }
}
