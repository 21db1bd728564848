using RnnGen.Generators.Helpers;
using RnnGen.Generators.Model;

namespace RnnGen.Generators.Planning;

/// <summary>
/// Sizes, offsets, strides and decisions of one layer, all fixed at generation time. Immutable, with value equality.
/// Offsets into the parameters and the packed weights are in <see cref="Directions"/>; strides are per sequence slot.
/// </summary>
internal sealed record LayerPlan
{
    public int Index { get; init; }
    public LayerModel Layer { get; init; } = null!;

    /// <summary>Floats in and out per step; <see cref="H"/> is the layer's size (units per direction).</summary>
    public int In { get; init; }
    public int Out { get; init; }
    public int H { get; init; }

    /// <summary>R: the width of h per direction (the output, the state's first part, W_hh's columns): <see cref="H"/>, or
    /// the projection p of a projected LSTM.</summary>
    public int R { get; init; }

    /// <summary>State floats per direction and where the layer's state starts in <c>State</c>.</summary>
    public int StateOffset { get; init; }
    public int StateWidth { get; init; }

    /// <summary>Floats recorded per step and direction (gates), and backward scratch floats per step (dz records).</summary>
    public int CacheWidth { get; init; }
    public int ScratchWidth { get; init; }

    /// <summary>The tensors and packed blocks of each direction (one entry for Dense and Embedding).</summary>
    public EquatableArray<DirectionPlan> Directions { get; init; }

    /// <summary>Per-slot strides of the sequence buffers: outputs, Dense pre-activations, states, gates, dz records.</summary>
    public int OutStride { get; init; }
    public int PreStride { get; init; }
    public int StatesStride { get; init; }
    public int CacheStride { get; init; }
    public int DzStride { get; init; }

    /// <summary>The layer's input buffer (the previous layer's outputs or the model's inputs), its per-slot stride, and
    /// the buffer its input gradient goes to (empty for token ids).</summary>
    public string InputField { get; init; } = "";
    public int InputStride { get; init; }
    public string InputGradientField { get; init; } = "";

    /// <summary>Step calls this layer's cell once (the model's only cell): inline it there.</summary>
    public bool InlineCell { get; init; }

    /// <summary>The walks over whole sequences call the element-wise step through a NoInlining twin (LSTM, GRU): the
    /// step keeps a dozen σ/tanh constants and the gates in vector registers, and inlined into a walk (a large method)
    /// the JIT spills and reloads them around every transcendental (the LSTM(32) walk's element-wise part took 3× as
    /// long). The small streaming cell still inlines it (there inlining measured ~6 % faster).</summary>
    public bool OutOfLinePointwise { get; init; }

    /// <summary>The model has a streaming Step (no bidirectional layer), so this layer needs a streaming cell.</summary>
    public bool Streaming { get; init; }

    /// <summary>The loss reads this (last) layer's logits and hands back dL/dz itself.</summary>
    public bool GradientIsPreActivation { get; init; }

    /// <summary>The layer's specialised streaming kernel where Vector512 is accelerated and where only Vector256 is
    /// (null: that tier keeps the portable kernels), and where its weights start in the streaming buffer.</summary>
    public StreamKernelPlan? Stream512 { get; init; }
    public StreamKernelPlan? Stream256 { get; init; }
    public int StreamOffset { get; init; }

    public StreamKernelPlan? StreamAt(int tier) => tier == 512 ? Stream512 : Stream256;

    public int DirectionCount => Directions.Count;

    /// <summary>Gate rows: G·H (G = 4 LSTM, 3 GRU, 1 Elman).</summary>
    public int GH => Layer.GateCount * H;

    /// <summary>Skip connection through time (Elman): the delay d, and the floats of h(t−1) … h(t−d+1) before h(t−d).</summary>
    public int Skip => Layer.HasSkip ? Layer.SkipDelay : 0;
    public int Lag => (Skip - 1) * H;

    public bool LearnedLeak => Layer.HasLearnedLeak;

    /// <summary>LSTM with diagonal peepholes: its pointwise step reads p_i, p_o, p_f and its dz records carry their terms.</summary>
    public bool Peepholes => Layer.HasPeepholes;

    /// <summary>LSTM with a projection: its pointwise step forms m = o ⊙ tanh(c') (cached after tanh(c')) and h' = W_hr·m;
    /// its dz records carry dh' and dm = W_hrᵀ·dh' after the gates'.</summary>
    public bool Projected => Layer.HasProjection;
    /// <summary>GRU with the reset before the recurrent product: the step runs W_hr, W_hz first, then W_hn·(r ⊙ h) (its
    /// cache records r ⊙ h after [gi | gh]).</summary>
    public bool ResetBefore => Layer.HasResetBefore;
    /// <summary>Clockwork Elman: unit groups that update every T_g steps; the state ends with the step counter.</summary>
    public bool Clockwork => Layer.IsClockwork;

    /// <summary>The sum has W_hh·h(t−1) (every layer but an Elman whose skip connection replaces the unit delay).</summary>
    public bool UnitDelay => !Layer.HasNoUnitDelay;

    /// <summary>The initial state of each direction is a parameter: sequences from the default state start there, and
    /// the backward pass adds dL/d(initial state) to its gradient.</summary>
    public bool LearnedInitialState => Layer.HasLearnedInitialState;

    public string Name => $"Layer{Index}";

    /// <summary>The field-name stem of the layer's buffers, e.g. <c>layer0</c>.</summary>
    public string Field => $"layer{Index}";

    public string Title => Layer.Kind switch
    {
        LayerKind.Embedding => $"Embedding({Layer.Vocabulary} ids → {Layer.Size})",
        LayerKind.Dense => $"Dense({In} → {Layer.Size}, {Layer.Activation})",
        LayerKind.Rnn when Layer.Reservoir => $"Reservoir({In} → {H}, tanh, ρ = {Literals.Float(Layer.SpectralRadius)}, density {Literals.Float(Layer.Density)}, input scaling {Literals.Float(Layer.InputScaling)}{(Layer.IsLeaky ? ", leaky α = " + Literals.Float(Layer.Leak) : "")}; fixed weights)",
        LayerKind.Rnn => $"Elman RNN({In} → {H}, {Layer.Activation}{(Layer.IsLeaky ? (Layer.HasLearnedLeak ? ", leak learned per unit from α = " : ", leaky α = ") + Literals.Float(Layer.Leak) : "")}{(Layer.HasSkip ? ", skip d = " + Layer.SkipDelay + (Layer.HasNoUnitDelay ? " replacing the unit delay" : "") : "")}{(Layer.IsClockwork ? ", clockwork periods " + string.Join(", ", Layer.ClockPeriods) : "")}{(DirectionCount == 2 ? ", bidirectional" : "")}{(Layer.HasLearnedInitialState ? ", learned initial state" : "")})",
        _ => $"{Layer.Kind.ToString().ToUpperInvariant()}({In} → {H}{(Layer.HasPeepholes ? ", peepholes" : "")}{(Layer.HasProjection ? ", projection " + Layer.ProjectionSize : "")}{(Layer.HasResetBefore ? ", reset before the product" : "")}{(DirectionCount == 2 ? ", bidirectional" : "")}{(Layer.HasLearnedInitialState ? ", learned initial state" : "")})",
    };
}
