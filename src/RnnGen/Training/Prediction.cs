namespace RnnGen.Training;

/// <summary>
/// Inference over many sequences of any lengths at once: <c>model.Predict(sequences)</c>.
/// </summary>
/// <remarks>
/// <para><b>Outputs.</b> One <c>float[]</c> per sequence, in the order given. It holds what
/// <see cref="IRecurrentNetwork.Forward(ReadOnlySpan{float}, int, Span{float})"/> writes for that sequence alone: the
/// last step's <see cref="IRecurrentNetwork.OutputSize"/> outputs in <see cref="OutputMode.LastStep"/> mode, or all
/// steps × OutputSize outputs, row-major [steps × OutputSize], in <see cref="OutputMode.EveryStep"/> mode.</para>
/// <para><b>Batching.</b> Each sequence starts from the default state, as with <c>Forward</c>. A generated model
/// (an <see cref="IBatchedNetwork"/>) runs the sequences through its batched kernels: they are sorted by length and
/// cut into tiles of up to <see cref="IBatchedNetwork.BatchTile"/>. Without a bidirectional layer a tile runs in
/// lockstep up to its shortest sequence's end, the finished sequences drop out and the rest go on from their states;
/// with one, a tile holds sequences of one length. The results are bit-identical to one <c>Forward</c> per sequence.
/// Any other network runs one <c>Forward</c> per sequence.</para>
/// <para><b>Dropout.</b> Prediction is inference: <see cref="IRecurrentNetwork.Training"/> is false while it runs (and
/// restored afterwards), so dropout is the identity.</para>
/// <para><b>Side effects.</b> <see cref="IRecurrentNetwork.CurrentState"/> is left as it was; what <c>Backward</c>
/// would read is replaced (run <c>Forward</c> again before a <c>Backward</c>). Allocates the output arrays and one
/// workspace per call, sized for the longest sequence; nothing per step or per tile. Not thread-safe (the model is
/// one thread's at a time).</para>
/// <para><b>Errors.</b> Every sequence is checked before any is run: an <see cref="ArgumentException"/> names the
/// first that does not fit (its index and the expected and actual sizes).</para>
/// </remarks>
public static class Prediction
{
    /// <summary>Runs every sequence from the default state and returns each one's outputs (see <see cref="Prediction"/>).
    /// The sequences' targets are not read: any sequence whose inputs fit the model will do.</summary>
    /// <param name="model">A generated model or a <see cref="ReferenceNetwork"/>.</param>
    /// <param name="sequences">Float inputs, or token ids for a model whose first layer is an Embedding; any number, any lengths up to MaxSteps.</param>
    /// <returns>One array per sequence, in order: OutputSize floats (LastStep) or steps × OutputSize (EveryStep).</returns>
    /// <exception cref="ArgumentException">A sequence is null, too long, of the wrong kind (floats for a token model
    /// or the reverse), has the wrong number of inputs or a token outside the vocabulary; the message names its index.</exception>
    public static IReadOnlyList<float[]> Predict(this IRecurrentNetwork model, IReadOnlyList<Sequence> sequences)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        for (int i = 0; i < sequences.Count; i++)
        {
            Sequence? sequence = sequences[i];
            if (sequence is null) throw new ArgumentException($"{nameof(sequences)}[{i}] is null.", nameof(sequences));
            string? problem = sequence.InputProblem(model);
            if (problem is not null) throw new ArgumentException($"{nameof(sequences)}[{i}]{problem}", nameof(sequences));
            if (sequence.Tokens is not null) CheckTokens(model, sequence.Tokens, i, nameof(sequences));
        }
        return Run(model, new Source(sequences, null));
    }

    /// <summary>Runs every token sequence from the default state and returns each one's outputs (see
    /// <see cref="Prediction"/>); for a model whose first layer is an Embedding.</summary>
    /// <param name="model">A generated model or a <see cref="ReferenceNetwork"/> that reads token ids.</param>
    /// <param name="tokenSequences">Token ids, one per step; any number of sequences, each of 1 … MaxSteps tokens.</param>
    /// <returns>One array per sequence, in order: OutputSize floats (LastStep) or steps × OutputSize (EveryStep).</returns>
    /// <exception cref="ArgumentException">The model reads floats, or a sequence is null, empty, longer than MaxSteps
    /// or has a token outside the vocabulary; the message names its index.</exception>
    public static IReadOnlyList<float[]> Predict(this IRecurrentNetwork model, IReadOnlyList<int[]> tokenSequences)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenSequences);
        const string name = nameof(tokenSequences);
        if (model.InputSize != 0)
            throw new ArgumentException($"{name} holds token ids; this network reads {model.InputSize} floats per step (token ids need an Embedding as the first layer).", name);
        for (int i = 0; i < tokenSequences.Count; i++)
        {
            int[]? tokens = tokenSequences[i];
            if (tokens is null) throw new ArgumentException($"{name}[{i}] is null.", name);
            if (tokens.Length == 0) throw new ArgumentException($"{name}[{i}] is empty; expected 1..{model.MaxSteps} tokens (a sequence has at least one step).", name);
            if (tokens.Length > model.MaxSteps) throw new ArgumentException($"{name}[{i}] has {tokens.Length} steps; expected at most {model.MaxSteps} (MaxSteps).", name);
            CheckTokens(model, tokens, i, name);
        }
        return Run(model, new Source(null, tokenSequences));
    }

    private static void CheckTokens(IRecurrentNetwork model, int[] tokens, int index, string name)
    {
        int vocabulary = model.Spec.Layers[0].Vocabulary;
        for (int t = 0; t < tokens.Length; t++)
            if ((uint)tokens[t] >= (uint)vocabulary)
                throw new ArgumentException($"{name}[{index}] has token {tokens[t]} at step {t}; expected 0..{vocabulary - 1} (the Embedding's vocabulary).", name);
    }

    /// <summary>The sequences of either overload, read through one view (checked: each fits the model).</summary>
    private readonly struct Source(IReadOnlyList<Sequence>? sequences, IReadOnlyList<int[]>? tokenSequences)
    {
        public int Count => sequences?.Count ?? tokenSequences!.Count;

        public int Steps(int i) => sequences?[i].Steps ?? tokenSequences![i].Length;

        /// <summary>Token ids of sequence <paramref name="i"/> (token models only).</summary>
        public int[] Tokens(int i) => sequences?[i].Tokens ?? tokenSequences![i];

        /// <summary>Float inputs of sequence <paramref name="i"/> (float models only).</summary>
        public float[] Floats(int i) => sequences![i].Inputs!;
    }

    private static float[][] Run(IRecurrentNetwork model, Source source)
    {
        int count = source.Count, outputSize = model.OutputSize;
        bool lastStep = model.Spec.Output == OutputMode.LastStep;
        var results = new float[count][];
        int longest = 0;
        for (int i = 0; i < count; i++)
        {
            int steps = source.Steps(i);
            results[i] = new float[(lastStep ? 1 : steps) * outputSize];
            longest = Math.Max(longest, steps);
        }
        if (count == 0) return results;

        float[] carried = model.CurrentState.ToArray();
        bool training = model.Training;
        model.Training = false;   // prediction is inference: no dropout, whatever the model was set to
        try
        {
            if (model is IBatchedNetwork batched && batched.BatchTile > 1) RunBatched(batched, source, results, longest);
            else
                for (int i = 0; i < count; i++)
                {
                    if (model.InputSize == 0) model.Forward(source.Tokens(i), source.Steps(i), results[i]);
                    else model.Forward(source.Floats(i), source.Steps(i), results[i]);
                }
        }
        finally
        {
            carried.CopyTo(model.CurrentState);
            model.Training = training;
        }
        return results;
    }

    /// <summary>Runs the sequences through <see cref="IBatchedNetwork.ForwardBatch(ReadOnlySpan{float}, int, int, Span{float}, ReadOnlySpan{float}, Span{float})"/>
    /// in tiles of sequences sorted by length.</summary>
    private static void RunBatched(IBatchedNetwork model, Source source, float[][] results, int longest)
    {
        int count = source.Count, width = model.BatchTile;
        int inputSize = model.InputSize, outputSize = model.OutputSize, stateSize = model.StateSize;
        bool tokens = inputSize == 0, lastStep = model.Spec.Output == OutputMode.LastStep;
        // A bidirectional layer's output at a step depends on the steps after it: such a model cannot stop at a
        // tile's shortest sequence and go on later, so its tiles hold sequences of one length.
        bool continues = true;
        foreach (LayerSpec layer in model.Spec.Layers) continues &= layer.Directions == 1;

        // The order: by length, ties by index (the keys are distinct, so the order does not depend on the sort).
        int[] order = new int[count];
        long[] keys = new long[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
            keys[i] = ((long)source.Steps(i) << 32) | (uint)i;
        }
        Array.Sort(keys, order);

        // The workspace: one tile's inputs and outputs, and two state buffers (initial and final, swapped per chunk).
        int[] tokenBuffer = tokens ? new int[width * longest] : [];
        float[] floatBuffer = tokens ? [] : new float[width * longest * inputSize];
        float[] outputBuffer = new float[width * (lastStep ? 1 : longest) * outputSize];
        float[] stateBuffer = new float[2 * width * stateSize];

        for (int start = 0; start < count;)
        {
            int n = Math.Min(width, count - start);
            if (!continues)
            {
                int steps = source.Steps(order[start]);
                int same = 1;
                while (same < n && source.Steps(order[start + same]) == steps) same++;
                n = same;
            }
            RunTile(model, source, results, order.AsSpan(start, n), tokenBuffer, floatBuffer, outputBuffer, stateBuffer);
            start += n;
        }
    }

    /// <summary>Runs one tile (sequences <paramref name="tile"/>, ascending length) in chunks: each chunk takes the
    /// unfinished sequences from where the last one stopped (their final states) to the end of the shortest of them.</summary>
    private static void RunTile(IBatchedNetwork model, Source source, float[][] results, ReadOnlySpan<int> tile,
        int[] tokenBuffer, float[] floatBuffer, float[] outputBuffer, float[] stateBuffer)
    {
        int inputSize = model.InputSize, outputSize = model.OutputSize, stateSize = model.StateSize;
        bool tokens = inputSize == 0, lastStep = model.Spec.Output == OutputMode.LastStep;
        int width = model.BatchTile;
        ReadOnlySpan<float> initial = default;   // the first chunk starts every sequence from the default state
        int done = 0, first = 0, side = 0;
        while (first < tile.Length)
        {
            int end = source.Steps(tile[first]), chunk = end - done, active = tile.Length - first;
            int outputSteps = lastStep ? 1 : chunk;
            for (int k = 0; k < active; k++)
            {
                int i = tile[first + k];
                if (tokens) source.Tokens(i).AsSpan(done, chunk).CopyTo(tokenBuffer.AsSpan(k * chunk, chunk));
                else source.Floats(i).AsSpan(done * inputSize, chunk * inputSize).CopyTo(floatBuffer.AsSpan(k * chunk * inputSize, chunk * inputSize));
            }
            Span<float> outputs = outputBuffer.AsSpan(0, active * outputSteps * outputSize);
            Span<float> final = stateBuffer.AsSpan(side * width * stateSize, active * stateSize);
            if (tokens) model.ForwardBatch(tokenBuffer.AsSpan(0, active * chunk), active, chunk, outputs, initial, final);
            else model.ForwardBatch(floatBuffer.AsSpan(0, active * chunk * inputSize), active, chunk, outputs, initial, final);

            int finished = 0;
            for (int k = 0; k < active; k++)
            {
                int i = tile[first + k];
                bool ends = source.Steps(i) == end;
                if (ends) finished++;
                if (!lastStep) outputs.Slice(k * chunk * outputSize, chunk * outputSize).CopyTo(results[i].AsSpan(done * outputSize));
                else if (ends) outputs.Slice(k * outputSize, outputSize).CopyTo(results[i]);
            }
            // The finished sequences are the first rows (ascending lengths); the others go on from their final states.
            initial = final[(finished * stateSize)..];
            side = 1 - side;
            first += finished;
            done = end;
        }
    }
}
