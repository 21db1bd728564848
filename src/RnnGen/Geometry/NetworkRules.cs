using System;
using System.Collections.Generic;

namespace RnnGen.Geometry;

/// <summary>
/// The rules a network must satisfy, shared by <see cref="NetworkSpec"/> (which throws the first problem) and the
/// generator (which links this file and reports every problem as a located RNNG diagnostic). <see cref="Check"/>
/// lists the problems in the order <see cref="NetworkSpec"/> has always checked them; the parts are public so that
/// the generator can run them as it reads each attribute. A rule that another rule already covers for the same
/// property is not reported twice (e.g. LearnLeak's starting leak when the leak itself is out of range).
/// </summary>
internal static class NetworkRules
{
    /// <summary>Every problem of the network, in NetworkSpec's order (it throws the first).</summary>
    /// <param name="inputSize">Floats per step; 0 with a first Embedding.</param>
    /// <param name="layers">The layers; a null entry is a problem.</param>
    /// <param name="maxSteps">The longest sequence.</param>
    /// <param name="output">Which steps have outputs.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="reduction">The reduction.</param>
    /// <param name="cacheHoldsState">The BPTT cache also records each step's state (the generated code does; the
    /// reference runtime's estimate counts outputs only).</param>
    public static List<NetworkProblem> Check(int inputSize, IReadOnlyList<LayerDescription?> layers, int maxSteps,
        OutputMode output, LossKind loss, Reduction reduction, bool cacheHoldsState = false)
    {
        var problems = new List<NetworkProblem>();
        CheckLayerCount(layers.Count, problems);
        if (layers.Count == 0) return problems;
        CheckDefined(output, "Output", -1, problems);
        CheckDefined(loss, "Loss", -1, problems);
        CheckDefined(reduction, "Reduction", -1, problems);
        CheckMaxSteps(maxSteps, problems);
        CheckInputSize(inputSize, layers[0], problems);
        for (int i = 0; i < layers.Count; i++) CheckLayer(layers[i], i, layers.Count, problems);
        CheckLoss(loss, layers[layers.Count - 1], layers.Count, problems);
        CheckSizes(inputSize, layers, maxSteps, cacheHoldsState, problems);
        return problems;
    }

    /// <summary>1..<see cref="Limits.MaxLayers"/> layers.</summary>
    public static void CheckLayerCount(int count, List<NetworkProblem> problems)
    {
        if (count is < 1 or > Limits.MaxLayers)
            problems.Add(Range(ProblemKind.LayerCount, -1, "Layers.Count", count, 1, Limits.MaxLayers));
    }

    /// <summary>The longest sequence is 1..<see cref="Limits.MaxSequenceLength"/>.</summary>
    public static void CheckMaxSteps(int maxSteps, List<NetworkProblem> problems)
    {
        if (maxSteps is < 1 or > Limits.MaxSequenceLength)
            problems.Add(Range(ProblemKind.MaxSteps, -1, "MaxSteps", maxSteps, 1, Limits.MaxSequenceLength));
    }

    /// <summary>InputSize is 0 with a first Embedding, else 1..<see cref="Limits.MaxWidth"/>.</summary>
    public static void CheckInputSize(int inputSize, LayerDescription? first, List<NetworkProblem> problems)
    {
        bool tokens = first is { Kind: LayerKind.Embedding };
        if (tokens && inputSize != 0)
            problems.Add(new(ProblemKind.InputSizeWithEmbedding, -1, "InputSize",
                $"InputSize = {inputSize}, but the first layer is an Embedding, which reads one token id per step: InputSize must be 0 (omitted).", inputSize));
        if (!tokens && inputSize is < 1 or > Limits.MaxWidth)
            problems.Add(Range(ProblemKind.InputSize, -1, "InputSize", inputSize, 1, Limits.MaxWidth));
    }

    /// <summary>An enum property holds a defined value.</summary>
    public static bool CheckDefined<TEnum>(TEnum value, string property, int layer, List<NetworkProblem> problems) where TEnum : struct, Enum
    {
        if (Enum.IsDefined(typeof(TEnum), value)) return true;
        problems.Add(new(ProblemKind.UndefinedEnum, layer, property,
            $"{property} = {value} is not a defined {typeof(TEnum).Name}; allowed: {string.Join(", ", Enum.GetNames(typeof(TEnum)))}.",
            Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), enumType: typeof(TEnum)));
        return false;
    }

    /// <summary>The rules of layer <paramref name="index"/> of <paramref name="count"/> on its own.</summary>
    public static void CheckLayer(LayerDescription? layer, int index, int count, List<NetworkProblem> problems)
    {
        string field = $"Layers[{index}]";
        if (layer is null)
        {
            problems.Add(new(ProblemKind.NullLayer, index, "Layers", $"Layers[{index}] is null."));
            return;
        }
        void Add(ProblemKind kind, string property, string message, long value = 0, float number = 0f) =>
            problems.Add(new(kind, index, field + "." + property, message, value, number));

        CheckDefined(layer.Kind, field + ".Kind", index, problems);
        bool activationDefined = CheckDefined(layer.Activation, field + ".Activation", index, problems);
        if (layer.Size is < 1 or > Limits.MaxWidth)
            problems.Add(Range(ProblemKind.Size, index, field + ".Size", layer.Size, 1, Limits.MaxWidth));
        if (layer.Bidirectional && !layer.IsRecurrent)
            Add(ProblemKind.BidirectionalNotRecurrent, "Bidirectional", $"{field}.Bidirectional = true, but a {layer.Kind} layer has no direction; only Rnn, Lstm and Gru layers can be bidirectional.");
        if (layer.Leak != 0f && layer.Kind != LayerKind.Rnn)
            Add(ProblemKind.LeakNotRnn, "Leak", $"{field}.Leak = {layer.Leak}, but only an Rnn layer has leaky units; it must be 0.", number: layer.Leak);
        bool leakInRange = layer.Leak >= 0f && layer.Leak < 1f;
        if (layer.Kind == LayerKind.Rnn && !leakInRange)
            Add(ProblemKind.Leak, "Leak", $"{field}.Leak = {layer.Leak}, but α must be in [0, 1): 0 is an ordinary Elman layer, 1 would never update the state.", number: layer.Leak);
        bool learnerKind = layer.Kind == LayerKind.Rnn && !layer.IsReservoir;
        if (layer.LearnLeak && !learnerKind)
            Add(ProblemKind.LearnLeakNotRnn, "LearnLeak", $"{field}.LearnLeak = true, but only a (non-reservoir) Rnn layer learns its leak.");
        // Needs α ∈ (0, 1); out of [0, 1) the leak rule above has said so already, so only α = 0 is left.
        if (layer.LearnLeak && learnerKind && leakInRange && !(layer.Leak > 0f))
            Add(ProblemKind.LearnLeakNeedsStart, "Leak", $"{field}.LearnLeak = true needs Leak in (0, 1), the starting α of every unit (λ = logit(α)); it is {layer.Leak}.", number: layer.Leak);
        if (layer.SkipDelay != 0 && layer.Kind != LayerKind.Rnn)
            Add(ProblemKind.SkipDelayNotRnn, "SkipDelay", $"{field}.SkipDelay = {layer.SkipDelay}, but only an Rnn layer has skip connections through time; it must be 0.", layer.SkipDelay);
        if (layer.Kind == LayerKind.Rnn && layer.SkipDelay is 1 or < 0 or > Limits.MaxSkipDelay)
            Add(ProblemKind.SkipDelay, "SkipDelay", $"{field}.SkipDelay = {layer.SkipDelay}, but it must be 0 (none) or 2…{Limits.MaxSkipDelay} (a delay of 1 is W_hh itself).", layer.SkipDelay);
        if (layer.IsReservoir && layer.SkipDelay != 0)
            Add(ProblemKind.ReservoirSkip, "SkipDelay", $"{field} is a reservoir, which has no skip connection; SkipDelay must be 0.", layer.SkipDelay);
        if (ClockworkProblem(layer) is { } clockwork)
            Add(ProblemKind.ClockPeriods, "ClockPeriods", $"{field}.ClockPeriods = [{string.Join(", ", layer.ClockPeriods!)}]: {clockwork}.");
        if (ReplaceUnitDelayProblem(layer) is { } replace)
            Add(ProblemKind.ReplaceUnitDelay, "ReplaceUnitDelay", $"{field}.ReplaceUnitDelay = true: {replace}.");
        if (layer.IsReservoir)
        {
            if (layer.Kind != LayerKind.Rnn || layer.Activation != Activation.Tanh || layer.Bidirectional)
                Add(ProblemKind.ReservoirShape, "IsReservoir", $"{field} is a reservoir, which must be a one-direction Rnn layer of Tanh units (LayerSpec.Reservoir builds one).");
            if (!(layer.SpectralRadius > 0f && !float.IsInfinity(layer.SpectralRadius)))
                Add(ProblemKind.SpectralRadius, "SpectralRadius", $"{field}.SpectralRadius = {layer.SpectralRadius}, but it must be a finite number > 0 (typically just below 1).", number: layer.SpectralRadius);
            if (!(layer.Density > 0f && layer.Density <= 1f))
                Add(ProblemKind.Density, "Density", $"{field}.Density = {layer.Density}, but the fraction of non-zero recurrent weights must be in (0, 1].", number: layer.Density);
            if (!(layer.InputScaling > 0f && !float.IsInfinity(layer.InputScaling)))
                Add(ProblemKind.InputScaling, "InputScaling", $"{field}.InputScaling = {layer.InputScaling}, but it must be a finite number > 0.", number: layer.InputScaling);
        }
        else if (layer.SpectralRadius != 0f || layer.Density != 0f || layer.InputScaling != 0f)
            Add(ProblemKind.NotAReservoir, "IsReservoir", $"{field} sets SpectralRadius, Density or InputScaling, which only a reservoir has (IsReservoir = true); they must be 0.");
        if (layer.Peepholes && layer.Kind != LayerKind.Lstm)
            Add(ProblemKind.PeepholesNotLstm, "Peepholes", $"{field}.Peepholes = true, but only an Lstm layer has peephole connections; it must be false.");
        if (!layer.ResetAfter && layer.Kind != LayerKind.Gru)
            Add(ProblemKind.ResetAfterNotGru, "ResetAfter", $"{field}.ResetAfter = false, but only a Gru layer has a reset gate; it must be true (the default).");
        if (!(layer.Dropout >= 0f && layer.Dropout < 1f))
            Add(ProblemKind.Dropout, "Dropout", $"{field}.Dropout = {layer.Dropout}, but a dropout probability must be in [0, 1): 0 is no dropout, 1 would drop every output.", number: layer.Dropout);
        else if (layer.Dropout > 0f && index == count - 1)
            Add(ProblemKind.DropoutOnFinalLayer, "Dropout", $"{field}.Dropout = {layer.Dropout}, but {field} is the final layer, whose outputs are the prediction the loss scores; put the dropout on the layer before (or remove it).", number: layer.Dropout);
        if (layer.RecurrentDropout != 0f && !layer.IsRecurrent)
            Add(ProblemKind.RecurrentDropoutNotRecurrent, "RecurrentDropout", $"{field}.RecurrentDropout = {layer.RecurrentDropout}, but a {layer.Kind} layer has no recurrent state; only Rnn, Lstm and Gru layers have recurrent dropout, and it must be 0.", number: layer.RecurrentDropout);
        else if (!(layer.RecurrentDropout >= 0f && layer.RecurrentDropout < 1f))
            Add(ProblemKind.Dropout, "RecurrentDropout", $"{field}.RecurrentDropout = {layer.RecurrentDropout}, but a dropout probability must be in [0, 1): 0 is no dropout, 1 would drop the whole recurrent state.", number: layer.RecurrentDropout);
        if (layer.ProjectionSize != 0 && layer.Kind != LayerKind.Lstm)
            Add(ProblemKind.ProjectionNotLstm, "ProjectionSize", $"{field}.ProjectionSize = {layer.ProjectionSize}, but only an Lstm layer has a projection; it must be 0.", layer.ProjectionSize);
        if (layer.Kind == LayerKind.Lstm && layer.ProjectionSize != 0 && (layer.ProjectionSize < 0 || layer.ProjectionSize >= layer.Size))
            Add(ProblemKind.ProjectionSize, "ProjectionSize", $"{field}.ProjectionSize = {layer.ProjectionSize}, but a projection must be 0 (none) or 1…{layer.Size - 1}, smaller than the hidden size {layer.Size} (like PyTorch's proj_size).", layer.ProjectionSize);
        if (layer.Kind == LayerKind.Lstm && layer.ProjectionSize != 0 && layer.Peepholes)
            Add(ProblemKind.ProjectionWithPeepholes, "ProjectionSize", $"{field} has Peepholes = true and ProjectionSize = {layer.ProjectionSize}, but an Lstm layer may have one or the other, not both; remove one.", layer.ProjectionSize);
        if (layer.Kind == LayerKind.Lstm && layer.ProjectionSize != 0 && layer.RecurrentDropout != 0f)
            Add(ProblemKind.ProjectionWithRecurrentDropout, "ProjectionSize", $"{field} has RecurrentDropout = {layer.RecurrentDropout} and ProjectionSize = {layer.ProjectionSize}, but recurrent dropout is not implemented on a projected h; remove one (Dropout on the outputs is fine).", layer.ProjectionSize);
        if (layer.LearnInitialState)
        {
            if (!layer.IsRecurrent)
                Add(ProblemKind.LearnInitialState, "LearnInitialState", $"{field}.LearnInitialState = true, but a {layer.Kind} layer has no recurrent state; only Rnn, Lstm and Gru layers learn an initial state. Set it to false.");
            else if (layer.IsReservoir)
                Add(ProblemKind.LearnInitialState, "LearnInitialState", $"{field} is a reservoir, whose parameters are never learned, so it cannot learn its initial state. Set LearnInitialState to false, or use a trained Rnn layer.");
            else if (layer.ProjectionSize != 0)
                Add(ProblemKind.LearnInitialState, "LearnInitialState", $"{field}.LearnInitialState = true with ProjectionSize = {layer.ProjectionSize}: a learned initial state of a projected h is not implemented. Remove ProjectionSize or LearnInitialState.");
            else if (layer.ClockPeriods is not null)
                Add(ProblemKind.LearnInitialState, "LearnInitialState", $"{field}.LearnInitialState = true with ClockPeriods: a learned initial state of a clockwork layer is not implemented. Remove ClockPeriods or LearnInitialState.");
            else if (layer.SkipDelay != 0)
                Add(ProblemKind.LearnInitialState, "LearnInitialState", $"{field}.LearnInitialState = true with SkipDelay = {layer.SkipDelay}: the state holds the last {layer.SkipDelay} hidden states, which one learned h(0) does not define. Remove SkipDelay or LearnInitialState.", layer.SkipDelay);
        }
        if (layer.Kind != LayerKind.Embedding && layer.Vocabulary != 0)
            Add(ProblemKind.VocabularyNotEmbedding, "Vocabulary", $"{field}.Vocabulary = {layer.Vocabulary}, but only an Embedding layer has a vocabulary; it must be 0.", layer.Vocabulary);
        switch (layer.Kind)
        {
            case LayerKind.Embedding:
                if (index != 0)
                    Add(ProblemKind.EmbeddingNotFirst, "Kind", $"{field} is an Embedding, but an Embedding must be the first layer (it reads token ids).");
                if (layer.Vocabulary is < 1 or > Limits.MaxVocabulary)
                    problems.Add(Range(ProblemKind.Vocabulary, index, field + ".Vocabulary", layer.Vocabulary, 1, Limits.MaxVocabulary));
                if (activationDefined) RequireActivation(layer, index, field, problems, Activation.Identity);
                break;
            case LayerKind.Rnn:
                if (activationDefined) RequireActivation(layer, index, field, problems, Activation.Tanh, Activation.Relu);
                break;
            case LayerKind.Lstm:
            case LayerKind.Gru:
                if (activationDefined) RequireActivation(layer, index, field, problems, Activation.Tanh);
                break;
            case LayerKind.Dense:
                if (layer.Activation == Activation.Softmax && index != count - 1)
                    Add(ProblemKind.SoftmaxNotFinal, "Activation", $"{field}.Activation = Softmax, but Softmax is only allowed on the final layer (Layers[{count - 1}]).");
                break;
        }
    }

    /// <summary>
    /// What is wrong with a layer's clock periods, as a clause that says how to fix it, or null when they are fine (or
    /// absent): periods ≥ 1 and strictly increasing, at most H groups that split H evenly, a cycle (their least common
    /// multiple) within <see cref="Limits.MaxClockCycle"/>, on a one-direction, non-leaky Rnn without a skip connection.
    /// </summary>
    public static string? ClockworkProblem(LayerDescription layer)
    {
        if (layer.ClockPeriods is not { } periods) return null;
        if (layer.Kind != LayerKind.Rnn || layer.IsReservoir)
            return $"only a (non-reservoir) Rnn layer has clockwork groups, not {(layer.IsReservoir ? "a reservoir" : "a " + layer.Kind + " layer")}; remove ClockPeriods";
        if (periods.Length == 0)
            return "there must be at least one period; give for example new[] { 1, 2, 4, 8 }, or remove ClockPeriods";
        for (int g = 0; g < periods.Length; g++)
        {
            if (periods[g] < 1)
                return $"period {g + 1} is {periods[g]}, but every period must be ≥ 1 (group g updates when t mod T_g = 0); use for example 1, 2, 4, 8";
            if (g > 0 && periods[g] <= periods[g - 1])
                return $"periods must be strictly increasing, but {periods[g - 1]} is followed by {periods[g]}; list each period once, shortest first, e.g. 1, 2, 4, 8";
        }
        if (periods.Length > layer.Size)
            return $"{periods.Length} groups need at least {periods.Length} units, but the layer has {layer.Size}; use at most {layer.Size} periods or more units";
        if (layer.Size % periods.Length != 0)
            return $"the {layer.Size} units do not split into {periods.Length} equal groups; make the hidden size a multiple of {periods.Length} (e.g. {(layer.Size / periods.Length + 1) * periods.Length}) or change the number of periods";
        if (layer.ClockCycle > Limits.MaxClockCycle)
            return $"the least common multiple of the periods exceeds {Limits.MaxClockCycle} (2^24), the longest cycle the step counter in the state holds exactly; use periods with a smaller common multiple, such as powers of 2";
        if (layer.Bidirectional)
            return "a clockwork layer counts its steps from the sequence's first step, forwards only; remove Bidirectional";
        if (layer.Leak != 0f || layer.LearnLeak)
            return "a clockwork layer's groups keep their state between updates and are not leaky; remove Leak and LearnLeak";
        if (layer.SkipDelay != 0)
            return "a clockwork layer cannot also have a skip connection through time; remove SkipDelay";
        if (layer.RecurrentDropout != 0f)
            return "a clockwork layer's groups read h(t−1) through block-triangular W_hh, which recurrent dropout does not mask; remove RecurrentDropout (Dropout on the outputs is fine)";
        return null;
    }

    /// <summary>What is wrong with ReplaceUnitDelay, as a clause that says how to fix it, or null: it needs a
    /// (non-reservoir) Rnn layer with a skip connection (a SkipDelay out of range is the SkipDelay rule's to report).</summary>
    public static string? ReplaceUnitDelayProblem(LayerDescription layer)
    {
        if (!layer.ReplaceUnitDelay) return null;
        if (layer.Kind != LayerKind.Rnn || layer.IsReservoir)
            return $"only a (non-reservoir) Rnn layer has a skip connection to replace its unit delay, not {(layer.IsReservoir ? "a reservoir" : "a " + layer.Kind + " layer")}; remove ReplaceUnitDelay";
        if (layer.SkipDelay == 0)
            return "it replaces W_hh·h(t−1) by the skip connection W_skip·h(t−d), so it needs SkipDelay = d ≥ 2; add for example SkipDelay = 4, or remove ReplaceUnitDelay";
        if (layer.RecurrentDropout != 0f)
            return "recurrent dropout masks h(t−1) in W_hh·h(t−1), a term this layer does not have; remove RecurrentDropout (Dropout on the outputs is fine)";
        return null;
    }

    /// <summary>Cross-entropy losses need a final Dense layer of logits (or Softmax / Sigmoid).</summary>
    public static void CheckLoss(LossKind loss, LayerDescription? last, int count, List<NetworkProblem> problems)
    {
        if (last is null) return;
        if (loss == LossKind.CrossEntropy && (last.Kind != LayerKind.Dense || last.Activation is not (Activation.Identity or Activation.Softmax)))
            problems.Add(new(ProblemKind.LossNeedsFinalDense, count - 1, "Loss",
                $"Loss = CrossEntropy needs a final Dense layer with Activation Identity (logits) or Softmax; the final layer is {DescribeShort(last)}.", (long)loss));
        if (loss == LossKind.BinaryCrossEntropy && (last.Kind != LayerKind.Dense || last.Activation is not (Activation.Identity or Activation.Sigmoid)))
            problems.Add(new(ProblemKind.LossNeedsFinalDense, count - 1, "Loss",
                $"Loss = BinaryCrossEntropy needs a final Dense layer with Activation Identity (logits) or Sigmoid; the final layer is {DescribeShort(last)}.", (long)loss));
    }

    /// <summary>At most <see cref="Limits.MaxParameterCount"/> parameters, and a BPTT cache of at most
    /// <see cref="Limits.MaxCacheFloats"/> floats (with each step's state when <paramref name="cacheHoldsState"/>).</summary>
    public static void CheckSizes(int inputSize, IReadOnlyList<LayerDescription?> layers, int maxSteps, bool cacheHoldsState, List<NetworkProblem> problems)
    {
        var present = new List<LayerDescription>(layers.Count);
        foreach (LayerDescription? l in layers)
        {
            if (l is null) return;
            present.Add(l);
        }
        NetworkGeometry geometry = NetworkGeometry.Of(inputSize, present);
        if (geometry.ParameterCount > Limits.MaxParameterCount)
            problems.Add(Range(ProblemKind.ParameterCount, -1, "ParameterCount", geometry.ParameterCount, 0, Limits.MaxParameterCount));
        long perStep = 0;
        foreach (LayerGeometry g in geometry.Layers)
            perStep += (long)g.OutputWidth * Limits.CacheFloatsPerOutput + (cacheHoldsState ? (long)g.StateWidthPerDirection * g.Directions : 0);
        long cache = (long)maxSteps * perStep;
        if (maxSteps >= 1 && cache > Limits.MaxCacheFloats)
            problems.Add(new(ProblemKind.CacheSize, -1, "MaxSteps",
                $"MaxSteps = {maxSteps} with these layer widths needs {cache} floats of BPTT cache; the limit is {Limits.MaxCacheFloats}. Lower MaxSteps.", cache));
    }

    /// <summary>A short name of a layer for messages, e.g. <c>Dense(4, Tanh)</c>, <c>Lstm(32)</c>.</summary>
    public static string DescribeShort(LayerDescription l) => l.Kind == LayerKind.Dense ? $"Dense({l.Size}, {l.Activation})" : $"{l.Kind}({l.Size})";

    private static void RequireActivation(LayerDescription layer, int index, string field, List<NetworkProblem> problems, params Activation[] allowed)
    {
        if (Array.IndexOf(allowed, layer.Activation) < 0)
            problems.Add(new(ProblemKind.Activation, index, field + ".Activation",
                $"{field}.Activation = {layer.Activation}, but a {layer.Kind} layer allows {string.Join(" or ", allowed)}.", (long)layer.Activation));
    }

    private static NetworkProblem Range(ProblemKind kind, int layer, string property, long value, long min, long max) =>
        new(kind, layer, property, $"{property} = {value} is outside the allowed range {min}..{max}.", value);
}
