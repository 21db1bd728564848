namespace RnnGen.Training;

// Encoder–decoder runs: the pair's parameters as one master buffer [encoder | decoder], its fit and evaluation over
// sequence pairs, and the shard job that runs teacher-forced BPTT through both networks.
public sealed partial class Trainer
{
    private readonly Action<int> _pairShards;
    private PairJob _pairJob;

    /// <summary>One pool run over pairs: examples <paramref name="Start"/> … Start + Count − 1 of
    /// <paramref name="Examples"/> (through the epoch's order when training), cut into <paramref name="Shards"/> shards.</summary>
    /// <param name="Examples">The data set.</param>
    /// <param name="SetName">Its name in error messages ("training", "validation").</param>
    /// <param name="Start">The batch's first position.</param>
    /// <param name="Count">Examples in the batch.</param>
    /// <param name="Shards">Shards the batch is cut into.</param>
    /// <param name="EvaluateOnly">Losses only: the examples are read in data order and no gradient is kept.</param>
    private readonly record struct PairJob(IReadOnlyList<SequencePair> Examples, string SetName, int Start, int Count, int Shards, bool EvaluateOnly);

    /// <summary>
    /// Trains the encoder–decoder pair on <paramref name="training"/> (sources and targets of any lengths that fit;
    /// nothing is padded): teacher-forced BPTT through decoder and encoder, the batch loss the mean of the pairs'
    /// decoder losses. Validation uses <paramref name="validation"/>, or holds out
    /// <see cref="TrainerOptions.ValidationFraction"/>. Everything else is as in
    /// <see cref="Fit(IReadOnlyList{Sequence}, IReadOnlyList{Sequence}?, CancellationToken)"/>: batches, shards and
    /// workers (bit-identical weights for any worker count), clipping by the joint norm of both networks' gradients,
    /// schedules, early stopping, checkpoints with exact resume, the NaN guard and progress.
    /// </summary>
    /// <exception cref="InvalidOperationException">This trainer trains one network, not a pair.</exception>
    /// <exception cref="ArgumentException">A pair does not fit the networks (named, with expected and actual sizes).</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite.</exception>
    public TrainingResult Fit(IReadOnlyList<SequencePair> training, IReadOnlyList<SequencePair>? validation = null, CancellationToken cancellation = default)
    {
        RequirePair(nameof(Fit));
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0) throw new ArgumentException("training has 0 pairs; expected at least one.", nameof(training));
        if (validation is null && _options.ValidationFraction > 0)
            (training, validation) = SplitOf(training, _options.ValidationFraction, _options.Seed);
        if (validation is { Count: 0 }) validation = null;
        RequireValidation(validation is not null, "pairs");
        Gather(_pair!, _master);   // weights loaded into the pair's networks since the last run count
        return FitBatches("pairs", training.Count,
            (start, n) => RunPairs(new PairJob(training, "training", start, n, ShardsFor(n), EvaluateOnly: false)),
            validation is null ? null : () => Evaluate(validation), cancellation);
    }

    /// <summary>The mean teacher-forced loss of <see cref="EncoderDecoder"/> over <paramref name="data"/> (no update; uses
    /// the workers). Its accuracy is null: judge a pair by what it generates.</summary>
    /// <exception cref="InvalidOperationException">This trainer trains one network, not a pair.</exception>
    public Evaluation Evaluate(IReadOnlyList<SequencePair> data)
    {
        RequirePair(nameof(Evaluate));
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count > 0) Gather(_pair!, _master);
        return EvaluateBatches(data.Count, (start, n) => RunPairs(new PairJob(data, "validation", start, n, ShardsFor(n), EvaluateOnly: true)));
    }

    /// <summary>The master parameters: the network's own, or the pair's [encoder | decoder] buffer.</summary>
    private Span<float> MasterParameters => _pair is null ? _model.Parameters : _master;

    /// <summary>The gradients the shards are reduced into, the same way.</summary>
    private Span<float> MasterGradients => _pair is null ? _model.Gradients : _masterGradients;

    /// <summary>After the master parameters changed: the pair's networks take them (the network's are the master itself).</summary>
    private void MasterChanged()
    {
        if (_pair is not null) Scatter(_master, _pair);
    }

    private static EncoderDecoder Pair(Func<EncoderDecoder> factory, out EncoderDecoder pair)
    {
        ArgumentNullException.ThrowIfNull(factory);
        pair = factory() ?? throw new ArgumentException("The factory returned null.", nameof(factory));
        return pair;
    }

    /// <summary>Copies the pair's parameters into <paramref name="flat"/> [encoder | decoder].</summary>
    private static void Gather(EncoderDecoder pair, Span<float> flat) => Join(pair.Encoder.Parameters, pair.Decoder.Parameters, flat);

    /// <summary>Copies <paramref name="encoder"/> then <paramref name="decoder"/> into <paramref name="flat"/>.</summary>
    private static void Join(ReadOnlySpan<float> encoder, ReadOnlySpan<float> decoder, Span<float> flat)
    {
        encoder.CopyTo(flat[..encoder.Length]);
        decoder.CopyTo(flat[encoder.Length..]);
    }

    /// <summary>Copies <paramref name="flat"/> [encoder | decoder] into the pair's parameters.</summary>
    private static void Scatter(ReadOnlySpan<float> flat, EncoderDecoder pair)
    {
        int e = pair.Encoder.ParameterCount;
        flat[..e].CopyTo(pair.Encoder.Parameters);
        flat[e..].CopyTo(pair.Decoder.Parameters);
    }

    private void RequirePair(string member)
    {
        if (_pair is null)
            throw new InvalidOperationException($"{member} over sequence pairs needs a trainer made for an EncoderDecoder (new Trainer(() => new EncoderDecoder(…), …)); this one trains {_model.Spec}.");
    }

    private void RequireNetwork(string member)
    {
        if (_pair is not null)
            throw new InvalidOperationException($"This trainer trains an encoder–decoder pair; {member} takes SequencePair examples (Fit(IReadOnlyList<SequencePair>, …)), not sequences or streams of one network.");
    }

    /// <summary>A worker's replica pair, checked against the master's specs.</summary>
    private EncoderDecoder ReplicaPair()
    {
        EncoderDecoder replica = _pairFactory!() ?? throw new InvalidOperationException("The factory returned null.");
        if (!replica.Encoder.Spec.Equals(_pair!.Encoder.Spec) || !replica.Decoder.Spec.Equals(_pair.Decoder.Spec)
            || replica.StartToken != _pair.StartToken || replica.EndToken != _pair.EndToken)
            throw new InvalidOperationException($"The factory made a different pair (encoder {replica.Encoder.Spec}, decoder {replica.Decoder.Spec}, " +
                $"tokens {replica.StartToken}/{replica.EndToken}) from the first one (encoder {_pair.Encoder.Spec}, decoder {_pair.Decoder.Spec}, tokens {_pair.StartToken}/{_pair.EndToken}).");
        if (ReferenceEquals(replica.Encoder, _pair.Encoder) || ReferenceEquals(replica.Decoder, _pair.Decoder))
            throw new InvalidOperationException("The factory returned a pair sharing a network with an earlier one; each call must make two new networks.");
        return replica;
    }

    private int RunPairs(PairJob job)
    {
        _pairJob = job;
        _pool!.Run(_pairShards);
        return job.Shards;
    }

    private void PairShards(int w)
    {
        PairJob job = _pairJob;
        Worker worker = Ready(w);
        EncoderDecoder pair = worker.Pair!;
        pair.Encoder.Training = pair.Decoder.Training = !job.EvaluateOnly;   // dropout acts in training updates only
        try
        {
            PairShardsOf(job, w, pair);
        }
        finally
        {
            pair.Encoder.Training = pair.Decoder.Training = false;
        }
    }

    private void PairShardsOf(in PairJob job, int w, EncoderDecoder pair)
    {
        for (int s = w; s < job.Shards; s += _workers.Length)
        {
            (int from, int to) = ShardRange(job.Count, job.Shards, s);
            pair.ZeroGradients();
            double loss = 0;
            for (int i = from; i < to; i++)
            {
                int index = job.EvaluateOnly ? job.Start + i : _order[job.Start + i];
                SequencePair example = job.Examples[index];
                string? problem = example.Problem(pair);
                if (problem is not null) throw new ArgumentException($"{job.SetName}[{index}]{problem}", job.SetName);
                if (!job.EvaluateOnly)
                {
                    // each network's masks from the example alone, never from the worker that runs it
                    pair.Encoder.DropoutSeed = DropoutSeedFor(2L * index);
                    pair.Decoder.DropoutSeed = DropoutSeedFor(2L * index + 1);
                }
                loss += example.SourceTokens is not null
                    ? job.EvaluateOnly ? pair.Loss(example.SourceTokens, example.Target) : pair.Backward(example.SourceTokens, example.Target)
                    : job.EvaluateOnly ? pair.Loss(example.SourceInputs, example.SourceSteps, example.Target) : pair.Backward(example.SourceInputs, example.SourceSteps, example.Target);
            }
            _shardLoss[s] = loss;
            _shardCount[s] = to - from;
            _shardCorrect[s] = _shardScored[s] = 0;
            if (!job.EvaluateOnly) Join(pair.Encoder.Gradients, pair.Decoder.Gradients, _shardGradients[s]);
        }
    }
}
