using RnnGen.Optimization;

namespace RnnGen.Training;

/// <summary>
/// Trains any <see cref="IRecurrentNetwork"/> — a generated model or the reference runtime — or an
/// <see cref="Training.EncoderDecoder"/> pair of them, with minibatches, an
/// optimizer, gradient clipping, a learning-rate schedule, validation with early stopping, truncated BPTT over long
/// streams, checkpoints that resume exactly, and a NaN guard.
/// </summary>
/// <remarks>
/// <para><b>Data parallelism.</b> Each worker thread owns a replica made by the factory. A batch is cut into
/// <see cref="TrainerOptions.Shards"/> fixed shards; a worker accumulates a shard's gradient in example order, and the
/// shard gradients are summed in shard order. So a fixed seed gives bit-identical weights whatever
/// <see cref="TrainerOptions.Workers"/> is. After warm-up an update allocates nothing.</para>
/// <para><b>Loss.</b> The batch loss is the mean of the examples' losses (each reduced as the network's spec says);
/// the gradient is the gradient of that mean.</para>
/// <para><b>Batched kernels.</b> With a generated model (an <see cref="IBatchedNetwork"/>), sequences of equal length
/// within a shard run in lockstep, up to BatchTile at a time, so each weight block is loaded once per step for all of
/// them; the weights are bit-identical to running them one by one (<see cref="TrainerOptions.UseBatchedKernels"/>).</para>
/// <para><b>Runs.</b> Like Keras' <c>fit</c>, every <c>Fit</c> or <c>FitStream</c> call is a run of its own: it trains
/// <see cref="TrainerOptions.Epochs"/> epochs (or until a stop criterion) from the current weights and optimizer state,
/// with its own schedule, history and early stopping, whatever earlier calls did. The one exception is a run loaded with
/// <see cref="LoadCheckpoint"/> that had not finished: the next call continues it exactly where it stopped.</para>
/// <para><b>Threads.</b> A trainer is used from one thread at a time; <see cref="Model"/> must not be used while
/// <c>Fit</c> or <see cref="FitStream"/> runs.</para>
/// </remarks>
public sealed partial class Trainer : IDisposable
{
    // This file holds the state. The rest, one partial file each: Trainer.Fit.cs the fit and evaluation loops,
    // Trainer.Workers.cs the workers and the shard jobs they run, Trainer.Update.cs the update with its NaN guard and
    // the progress reports, Trainer.Epochs.cs epochs, shuffling and early stopping, Trainer.Checkpoints.cs
    // checkpoints and resuming.

    private const int CheckpointVersion = 1;

    private readonly Func<IRecurrentNetwork>? _factory;
    private readonly IRecurrentNetwork _model;        // the network, or an encoder–decoder trainer's decoder
    private readonly Func<EncoderDecoder>? _pairFactory;
    private readonly EncoderDecoder? _pair;           // an encoder–decoder trainer's master pair, else null
    private readonly float[] _master = [];            // an encoder–decoder trainer's parameters [encoder | decoder]
    private readonly float[] _masterGradients = [];
    private readonly IOptimizer _optimizer;
    private readonly TrainerOptions _options;
    private readonly float _baseRate;
    private readonly float[] _parameters;         // the master copy handed to the replicas
    private readonly double[] _shardLoss;
    private readonly long[] _shardCount;
    private readonly long[] _shardCorrect, _shardScored;   // evaluation: right predictions and scored outputs per shard
    private readonly bool _accuracy;                       // the loss is a classification loss (Evaluation.Accuracy)
    private readonly float _accuracyThreshold;
    private float[][] _shardGradients = [];
    private int[] _order = [];                    // this epoch's example order
    private long[] _sortKeys = [];
    private float[][] _streamStates = [];         // FitStream: each stream's state, carried from chunk to chunk

    // Position (restored from a checkpoint).
    private Position _position = new();

    /// <summary>Creates a trainer for the network <paramref name="factory"/> makes (called once for <see cref="Model"/>
    /// and once per extra worker), initialised from <see cref="TrainerOptions.Seed"/>.</summary>
    public Trainer(Func<IRecurrentNetwork> factory, IOptimizer optimizer, TrainerOptions? options = null)
        : this(optimizer, options, (factory ?? throw new ArgumentNullException(nameof(factory)))()
            ?? throw new ArgumentException("The factory returned null.", nameof(factory)), pair: null)
    {
        _factory = factory;
        _model.InitializeParameters(_options.Seed);
    }

    /// <summary>Creates a trainer for the encoder–decoder pair <paramref name="factory"/> makes (called once for
    /// <see cref="EncoderDecoder"/> and once per extra worker, each call with two new networks). The encoder is
    /// initialised from <see cref="TrainerOptions.Seed"/>, the decoder from Seed + 1. Train it with
    /// <see cref="Fit(IReadOnlyList{SequencePair}, IReadOnlyList{SequencePair}?, CancellationToken)"/>: teacher-forced
    /// BPTT through both networks, with the same batches, shards, clipping (over both networks' gradients jointly),
    /// schedules, validation, checkpoints and progress as a single network.</summary>
    public Trainer(Func<EncoderDecoder> factory, IOptimizer optimizer, TrainerOptions? options = null)
        : this(optimizer, options, Pair(factory, out EncoderDecoder pair).Decoder, pair)
    {
        _pairFactory = factory;
        pair.Encoder.InitializeParameters(_options.Seed);
        pair.Decoder.InitializeParameters(_options.Seed + 1);
        _master = new float[_parameters.Length];
        _masterGradients = new float[_parameters.Length];
        Gather(pair, _master);
    }

    private Trainer(IOptimizer optimizer, TrainerOptions? options, IRecurrentNetwork model, EncoderDecoder? pair)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        _options = options ?? new TrainerOptions();
        _options.Validate();
        _model = model;
        _pair = pair;
        _optimizer = optimizer;
        _baseRate = optimizer.LearningRate;
        Progress = _options.Progress;
        _parameters = new float[pair is null ? model.ParameterCount : pair.Encoder.ParameterCount + pair.Decoder.ParameterCount];
        _shardLoss = new double[_options.Shards];
        _shardCount = new long[_options.Shards];
        _shardCorrect = new long[_options.Shards];
        _shardScored = new long[_options.Shards];
        _accuracy = pair is null && ClassificationAccuracy.Applies(_model.Spec);
        _accuracyThreshold = ClassificationAccuracy.Threshold(_model.Spec);
        _sequenceShards = SequenceShards;
        _pairShards = PairShards;
        _streamShards = StreamShards;
        _streamPrefix = StreamPrefix;
    }

    /// <summary>The trained network (the master parameters). Load weights into it before <c>Fit</c> to fine-tune.</summary>
    /// <exception cref="InvalidOperationException">This trainer trains an encoder–decoder pair: use <see cref="EncoderDecoder"/>.</exception>
    public IRecurrentNetwork Model => _pair is null ? _model
        : throw new InvalidOperationException("This trainer trains an encoder–decoder pair; its networks are EncoderDecoder.Encoder and EncoderDecoder.Decoder.");

    /// <summary>The trained encoder–decoder pair (its networks hold the master parameters), or null when this trainer
    /// trains one network. Load weights into its networks before <c>Fit</c> to fine-tune.</summary>
    public EncoderDecoder? EncoderDecoder => _pair;

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer => _optimizer;

    /// <summary>The options.</summary>
    public TrainerOptions Options => _options;

    /// <summary>Receives progress reports (initially <see cref="TrainerOptions.Progress"/>); may be changed between runs.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Called after each epoch (after validation) with its summary; return true to stop training
    /// (e.g. when a task-specific accuracy is reached). <see cref="Model"/> may be evaluated inside it.</summary>
    public Func<EpochSummary, bool>? StopAfterEpoch { get; set; }

    /// <summary>Updates done so far by this trainer, over all its runs (including those before a resume).</summary>
    public long UpdateCount => _position.UpdatesBefore + _position.Update;

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _pool?.Dispose();

    /// <summary>Where a run is: counters, loss statistics, early stopping and history, as a checkpoint stores them
    /// (<see cref="TrainerCheckpoint"/>: UpdatesBefore counts the updates of earlier runs, Update those of this one),
    /// plus what only the live trainer needs. Fields are not part of the checkpoint's JSON; properties are.</summary>
    internal sealed class Position : TrainerCheckpoint
    {
        public float LastRate;
        public float LastNorm;
        public float[]? BestParameters;   // stored as a tensor beside the JSON
        public bool Resuming;             // loaded from a checkpoint of an unfinished run: the next Fit continues it (same Mode and DataLength)

        public Position()
        {
            SmoothedLoss = double.NaN;
            BestValidation = double.PositiveInfinity;
            LastValidation = double.NaN;
        }
    }
}
