using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RnnGen.Orleans;

/// <summary>One set of weights of a model, with its version: a step runs wholly on one of these.</summary>
public sealed class ModelWeights<TModel>(TModel model, string version)
    where TModel : class, IRecurrentNetwork
{
    /// <summary>The model instance holding the weights (only read while serving).</summary>
    public TModel Model { get; } = model;

    /// <summary>The version the streams record.</summary>
    public string Version { get; } = version;
}

/// <summary>Counts of what the silo's batcher formed.</summary>
public readonly record struct BatchStatistics(long Steps, long Batches, int LargestBatch)
{
    /// <summary>Steps per batch on average.</summary>
    public double MeanBatch => Batches == 0 ? 0 : (double)Steps / Batches;
}

/// <summary>
/// The silo's one weights instance of <typeparamref name="TModel"/> and its batcher: the stream grains of the model
/// step through it. Registered as a singleton by <c>AddRnnModel</c>.
/// </summary>
public abstract class RnnModelHost<TModel>
    where TModel : class, IRecurrentNetwork
{
    /// <summary>The serving options.</summary>
    public abstract RnnServingOptions Options { get; }

    /// <summary>The weights in use now.</summary>
    public abstract ModelWeights<TModel> Weights { get; }

    /// <summary>Floats per input step.</summary>
    public abstract int InputSize { get; }

    /// <summary>Floats per output step.</summary>
    public abstract int OutputSize { get; }

    /// <summary>Floats of one stream's state.</summary>
    public abstract int StateFloats { get; }

    /// <summary>Batches formed so far on this silo.</summary>
    public abstract BatchStatistics Statistics { get; }

    /// <summary>Replaces the weights: steps already in a batch finish on the old ones, later steps run on the new.</summary>
    public abstract void UpdateWeights(TModel model, string version);

    /// <summary>Loads new weights from a safetensors file into a new instance and swaps them in.</summary>
    public abstract void LoadWeights(string path, string version);

    /// <summary>The model's initial state, as floats.</summary>
    public abstract float[] InitialState();

    /// <summary>Steps one stream: <paramref name="state"/> is updated in place, <paramref name="output"/> written; returns
    /// the weights version the step ran on.</summary>
    public abstract Task<string> StepAsync(float[] state, string stateVersion, float[] input, float[] output);

    /// <summary>The number of the cluster-wide release (<see cref="IRnnWeightsGrain{TModel}"/>) in use, 0 when the weights
    /// are the silo's own (configured at start-up or set with <see cref="UpdateWeights"/>).</summary>
    public abstract long Release { get; }

    /// <summary>A fresh instance holding the weights of <paramref name="release"/> (not yet in use).</summary>
    internal abstract TModel Build(WeightsRelease release);

    /// <summary>Swaps in <paramref name="model"/> as <paramref name="release"/> unless a later release is in use.</summary>
    internal abstract bool Apply(TModel model, WeightsRelease release);

    /// <summary>Holds every step until <see cref="Open"/> (while the silo learns the current release at start-up).</summary>
    internal abstract void Hold();

    /// <summary>Lets held steps run.</summary>
    internal abstract void Open();
}

/// <summary>The host for a model whose many-stream step works on <typeparamref name="TState"/>.</summary>
public sealed class RnnModelHost<TModel, TState> : RnnModelHost<TModel>
    where TModel : class, IStreamingModel<TState>
    where TState : unmanaged
{
    private readonly RnnServingOptions _options;
    private readonly Func<TModel> _create;
    private readonly long _windowTicks;
    private readonly object _gate = new();
    private ModelWeights<TModel> _weights;
    private long _release;
    private TaskCompletionSource? _hold;
    private List<PendingStep> _queue = [];
    private bool _scheduled;
    private long _steps, _batches;
    private int _largest;

    // The step's own completion: one object per step. Continuations are not forced onto the thread pool: a grain's
    // await resumes on its activation's scheduler anyway, so completing a step only queues the grain's work there.
    private sealed class PendingStep(float[] state, string stateVersion, float[] input, float[] output) : TaskCompletionSource<string>
    {
        public readonly float[] State = state, Input = input, Output = output;
        public readonly string StateVersion = stateVersion;
    }

    // One gather chain runs at a time (_scheduled), so its bookkeeping is one reused object.
    private readonly GatherWork _work;

    // Staging buffers of a batch's tile, per thread: batches may run at once on several threads.
    [ThreadStatic] private static TState[]? t_states;
    [ThreadStatic] private static float[]? t_inputs, t_outputs;

    /// <summary>A host on <paramref name="weights"/>; <paramref name="create"/> makes a fresh instance for
    /// <see cref="LoadWeights"/>.</summary>
    public RnnModelHost(ModelWeights<TModel> weights, Func<TModel> create, RnnServingOptions options)
    {
        options.Validate();
        int stateFloats = Marshal.SizeOf<TState>() / sizeof(float);
        if (stateFloats != weights.Model.StateSize)
            throw new ArgumentException($"{typeof(TState)} holds {stateFloats} floats but {typeof(TModel).Name}.StateSize is {weights.Model.StateSize}.", nameof(weights));
        _weights = weights;
        _create = create;
        _options = options;
        _windowTicks = (long)(options.BatchWindow.TotalSeconds * Stopwatch.Frequency);
        _work = new GatherWork(this);
    }

    /// <inheritdoc/>
    public override RnnServingOptions Options => _options;

    /// <inheritdoc/>
    public override ModelWeights<TModel> Weights => Volatile.Read(ref _weights);

    /// <inheritdoc/>
    public override int InputSize => _weights.Model.InputSize;

    /// <inheritdoc/>
    public override int OutputSize => _weights.Model.OutputSize;

    /// <inheritdoc/>
    public override int StateFloats => _weights.Model.StateSize;

    /// <inheritdoc/>
    public override BatchStatistics Statistics
    {
        get { lock (_gate) return new BatchStatistics(_steps, _batches, _largest); }
    }

    /// <inheritdoc/>
    public override void UpdateWeights(TModel model, string version)
    {
        CheckShape(model);
        ArgumentException.ThrowIfNullOrEmpty(version);
        lock (_gate)
        {
            _release = 0;
            Volatile.Write(ref _weights, new ModelWeights<TModel>(model, version));
        }
    }

    private void CheckShape(TModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.StateSize != StateFloats || model.InputSize != InputSize || model.OutputSize != OutputSize)
            throw new ArgumentException($"The new weights' model has input {model.InputSize}, output {model.OutputSize}, state {model.StateSize}; expected {InputSize}, {OutputSize}, {StateFloats}.", nameof(model));
    }

    /// <inheritdoc/>
    public override long Release { get { lock (_gate) return _release; } }

    internal override TModel Build(WeightsRelease release)
    {
        TModel model = _create();
        if (release.Path is not null) model.LoadSafetensors(release.Path);
        else
        {
            float[] p = release.Parameters ?? [];
            if (p.Length != model.ParameterCount)
                throw new ArgumentException($"Release {release.Number} ('{release.Version}') has {p.Length} parameters, expected {model.ParameterCount} for {typeof(TModel).Name}.");
            p.CopyTo(model.Parameters);
        }
        CheckShape(model);
        return model;
    }

    internal override bool Apply(TModel model, WeightsRelease release)
    {
        lock (_gate)
        {
            if (release.Number <= _release) return false;
            _release = release.Number;
            Volatile.Write(ref _weights, new ModelWeights<TModel>(model, release.Version));
            return true;
        }
    }

    internal override void Hold()
    {
        lock (_gate) _hold ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal override void Open()
    {
        TaskCompletionSource? hold;
        lock (_gate) { hold = _hold; _hold = null; }
        hold?.TrySetResult();
    }

    /// <inheritdoc/>
    public override void LoadWeights(string path, string version)
    {
        TModel model = _create();
        model.LoadSafetensors(path);
        UpdateWeights(model, version);
    }

    /// <inheritdoc/>
    public override float[] InitialState()
    {
        Span<TState> one = stackalloc TState[1];
        Weights.Model.ResetState(one);
        return MemoryMarshal.Cast<TState, float>(one).ToArray();
    }

    /// <inheritdoc/>
    public override Task<string> StepAsync(float[] state, string stateVersion, float[] input, float[] output)
    {
        if (state.Length != StateFloats) throw new ArgumentException($"state has {state.Length} floats, expected {StateFloats}.", nameof(state));
        if (input.Length != InputSize) throw new ArgumentException($"input has {input.Length} floats, expected {InputSize}.", nameof(input));
        if (output.Length != OutputSize) throw new ArgumentException($"output has {output.Length} floats, expected {OutputSize}.", nameof(output));
        if (Volatile.Read(ref _hold) is { } hold) return StepWhenOpen(hold.Task, state, stateVersion, input, output);
        var step = new PendingStep(state, stateVersion, input, output);
        if (!_options.Batching)
        {
            lock (_gate) { _steps++; _batches++; if (_largest == 0) _largest = 1; }
            Run(step, null, 1);
            return step.Task;
        }
        bool schedule = false;
        lock (_gate)
        {
            _queue.Add(step);
            if (!_scheduled) { _scheduled = true; schedule = true; _work.Restart(); }
        }
        if (schedule) ThreadPool.UnsafeQueueUserWorkItem(static w => w.Host.Gather(w), _work, preferLocal: false);
        return step.Task;
    }

    private async Task<string> StepWhenOpen(Task open, float[] state, string stateVersion, float[] input, float[] output)
    {
        await open.ConfigureAwait(false);
        return await StepAsync(state, stateVersion, input, output).ConfigureAwait(false);
    }

    private sealed class GatherWork(RnnModelHost<TModel, TState> host)
    {
        public readonly RnnModelHost<TModel, TState> Host = host;
        public long Started;
        public int Seen;

        public void Restart() { Started = Stopwatch.GetTimestamp(); Seen = -1; }
    }

    /// <summary>Closes the batch when it is full, its window has passed or nothing joined since the last look; else
    /// looks again behind the work queued meanwhile (the grain calls that may join).</summary>
    private void Gather(GatherWork work)
    {
        List<PendingStep> batch;
        lock (_gate)
        {
            int n = _queue.Count;
            bool close = n >= _options.MaxBatch || (_options.CloseWhenQuiet && n == work.Seen) || Stopwatch.GetTimestamp() - work.Started >= _windowTicks;
            if (!close)
            {
                work.Seen = n;
                ThreadPool.UnsafeQueueUserWorkItem(static w => w.Host.Gather(w), work, preferLocal: false);
                return;
            }
            if (n <= _options.MaxBatch)
            {
                batch = _queue;
                _queue = new List<PendingStep>(Math.Min(_options.MaxBatch, Math.Max(4, n)));
                _scheduled = false;
            }
            else
            {
                // More than a batch waits: this one closes, the chain starts again for the rest (this thread only
                // runs the batch from here on, so the chain's object can be reused).
                batch = _queue.GetRange(0, _options.MaxBatch);
                _queue.RemoveRange(0, _options.MaxBatch);
                work.Restart();
                ThreadPool.UnsafeQueueUserWorkItem(static w => w.Host.Gather(w), work, preferLocal: false);
            }
            _steps += batch.Count;
            _batches++;
            if (batch.Count > _largest) _largest = batch.Count;
        }
        Run(null, batch, batch.Count);
    }

    /// <summary>Steps a batch (<paramref name="batch"/>, or the one step <paramref name="single"/>) on one weights
    /// snapshot, in tiles of <see cref="RnnServingOptions.Tile"/> streams; completes the steps once all tiles ran.</summary>
    private void Run(PendingStep? single, List<PendingStep>? batch, int count)
    {
        ModelWeights<TModel> weights = Weights;
        int tile = Math.Min(_options.Tile, count);
        int inputSize = InputSize, outputSize = OutputSize, stateFloats = StateFloats;
        TState[] states = t_states is { } ts && ts.Length >= tile ? ts : t_states = new TState[Math.Max(tile, _options.Tile)];
        float[] inputs = t_inputs is { } ti && ti.Length >= tile * inputSize ? ti : t_inputs = new float[Math.Max(tile, _options.Tile) * inputSize];
        float[] outputs = t_outputs is { } to && to.Length >= tile * outputSize ? to : t_outputs = new float[Math.Max(tile, _options.Tile) * outputSize];
        bool reset = _options.OnWeightsUpdate == WeightsUpdateBehavior.ResetState;
        for (int start = 0; start < count; start += tile)
        {
            int n = Math.Min(tile, count - start);
            try
            {
                Span<float> stateFloatsSpan = MemoryMarshal.Cast<TState, float>(states.AsSpan(0, n));
                for (int i = 0; i < n; i++)
                {
                    PendingStep s = single ?? batch![start + i];
                    if (reset && s.StateVersion.Length > 0 && s.StateVersion != weights.Version)
                        weights.Model.ResetState(states.AsSpan(i, 1));
                    else
                        s.State.CopyTo(stateFloatsSpan.Slice(i * stateFloats, stateFloats));
                    s.Input.CopyTo(inputs.AsSpan(i * inputSize, inputSize));
                }
                weights.Model.Step(states.AsSpan(0, n), inputs.AsSpan(0, n * inputSize), outputs.AsSpan(0, n * outputSize));
                for (int i = 0; i < n; i++)
                {
                    PendingStep s = single ?? batch![start + i];
                    stateFloatsSpan.Slice(i * stateFloats, stateFloats).CopyTo(s.State);
                    outputs.AsSpan(i * outputSize, outputSize).CopyTo(s.Output);
                }
            }
            catch (Exception e)
            {
                for (int i = 0; i < n; i++) (single ?? batch![start + i]).TrySetException(e);
            }
        }
        string version = weights.Version;
        if (single is not null) single.TrySetResult(version);
        else for (int i = 0; i < count; i++) batch![i].TrySetResult(version);
    }
}
