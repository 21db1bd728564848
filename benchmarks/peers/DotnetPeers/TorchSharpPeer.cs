using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnGen.Peers;

/// <summary>
/// TorchSharp (LibTorch) as a streaming step: torch.nn.LSTM/GRU/RNN(tanh) per layer and a Linear head, one thread,
/// inference mode, the harness's weights copied in. A step writes x into a preallocated [1, batch, in] tensor, runs
/// each layer with sequence length 1 carrying (h, c), and reads y; each step's temporaries live in a dispose scope.
/// </summary>
internal sealed class TorchSharpPeer : Stepper
{
    private readonly nn.Module[] _layers;
    private readonly Linear _dense;
    private readonly Tensor _x;
    private readonly Tensor[] _h;
    private readonly Tensor?[] _c;
    private readonly float[] _y;
    private readonly IDisposable _inference;
    private static bool s_configured;

    public TorchSharpPeer(Shape shape, int batch)
        : base(shape, batch)
    {
        Configure();
        _inference = torch.inference_mode();
        (RecurrentWeights[] weights, float[] denseWeight, float[] denseBias) = shape.Weights();
        _layers = new nn.Module[weights.Length];
        _h = new Tensor[weights.Length];
        _c = new Tensor?[weights.Length];
        for (int l = 0; l < weights.Length; l++)
        {
            RecurrentWeights w = weights[l];
            nn.Module layer = shape.Cell switch
            {
                "lstm" => nn.LSTM(w.Input, w.Hidden),
                "gru" => nn.GRU(w.Input, w.Hidden),
                _ => nn.RNN(w.Input, w.Hidden), // tanh, the default non-linearity
            };
            Load(layer, "weight_ih_l0", w.WeightIh, shape.Gates * w.Hidden, w.Input);
            Load(layer, "weight_hh_l0", w.WeightHh, shape.Gates * w.Hidden, w.Hidden);
            Load(layer, "bias_ih_l0", w.BiasIh, shape.Gates * w.Hidden);
            Load(layer, "bias_hh_l0", w.BiasHh, shape.Gates * w.Hidden);
            layer.eval();
            _layers[l] = layer;
            _h[l] = zeros(1, batch, w.Hidden);
            _c[l] = shape.HasCellState ? zeros(1, batch, w.Hidden) : null;
        }
        _dense = nn.Linear(shape.Hidden, shape.Output);
        Load(_dense, "weight", denseWeight, shape.Output, shape.Hidden);
        Load(_dense, "bias", denseBias, shape.Output);
        _dense.eval();
        _x = zeros(1, batch, shape.Input);
        _y = new float[batch * shape.Output];
    }

    public override ReadOnlySpan<float> Outputs => _y;

    /// <summary>One intra-op and one inter-op thread; once per process.</summary>
    public static void Configure()
    {
        if (s_configured)
            return;
        s_configured = true;
        torch.set_num_threads(1);
        torch.set_num_interop_threads(1);
    }

    public override float Step(ReadOnlySpan<float> inputs)
    {
        inputs.CopyTo(MemoryMarshal.Cast<byte, float>(_x.bytes));
        using DisposeScope scope = NewDisposeScope();
        Tensor x = _x;
        for (int l = 0; l < _layers.Length; l++)
        {
            Tensor hNext;
            switch (_layers[l])
            {
                case LSTM lstm:
                    (_, hNext, Tensor cNext) = lstm.call(x, (_h[l], _c[l]!));
                    _c[l]!.Dispose();
                    _c[l] = cNext.MoveToOuterDisposeScope();
                    break;
                case GRU gru:
                    (_, hNext) = gru.call(x, _h[l]);
                    break;
                default:
                    (_, hNext) = ((RNN)_layers[l]).call(x, _h[l]);
                    break;
            }
            // The new state outlives the step; the old one is no longer needed.
            _h[l].Dispose();
            _h[l] = hNext.MoveToOuterDisposeScope();
            x = hNext;
        }
        Tensor y = _dense.call(x);
        ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(y.bytes);
        values.CopyTo(_y);
        float sum = 0;
        foreach (float v in values)
            sum += v;
        return sum;
    }

    public override void Dispose()
    {
        _inference.Dispose();
        foreach (Tensor h in _h)
            h.Dispose();
        foreach (Tensor? c in _c)
            c?.Dispose();
        _x.Dispose();
        foreach (nn.Module layer in _layers)
            layer.Dispose();
        _dense.Dispose();
    }

    private static void Load(nn.Module module, string name, float[] values, params long[] dims)
    {
        using var noGrad = no_grad();
        using Tensor source = tensor(values, dims);
        Parameter parameter = module.get_parameter(name) ?? throw new InvalidOperationException($"no parameter {name}");
        parameter.copy_(source);
    }
}
