using Orleans;
using Orleans.Runtime;

namespace RnnGen.Orleans;

/// <summary>Names shared by the stream grains.</summary>
public static class RnnStreamGrain
{
    /// <summary>The grain storage provider the stream grains use: register one under this name on every silo.</summary>
    public const string StorageName = "rnngen";

    /// <summary>The grain state's name in that storage.</summary>
    public const string StateName = "stream";
}

/// <summary>
/// One stream of <typeparamref name="TModel"/>: its state and step count live in grain storage
/// (<see cref="RnnStreamGrain.StorageName"/>); its steps run on the silo's <see cref="RnnModelHost{TModel}"/>, batched
/// with the other streams stepping at the same time.
/// </summary>
public sealed class RnnStreamGrain<TModel>(
    [PersistentState(RnnStreamGrain.StateName, RnnStreamGrain.StorageName)] IPersistentState<RnnStreamState> store,
    RnnModelHost<TModel> host) : Grain, IRnnStreamGrain<TModel>
    where TModel : class, IRecurrentNetwork
{
    private long _storedSteps = -1;

    private long StoredSteps => _storedSteps < 0 ? store.State.Steps : _storedSteps;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storedSteps = store.State.Steps;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A graceful deactivation writes the steps not yet written (WriteEvery > 1).
        if (_storedSteps >= 0 && store.State.Steps != _storedSteps && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
            await store.WriteStateAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<float[]> StepAsync(float[] input) => (await ApplyAsync(input)).Output;

    /// <inheritdoc/>
    public Task<StepResult> StepAtAsync(long sequence, float[] input)
    {
        RnnStreamState s = store.State;
        if (sequence == s.Steps && s.LastOutput is not null)
            return Task.FromResult(new StepResult { Sequence = sequence, Output = s.LastOutput, WeightsVersion = s.WeightsVersion, Replayed = true, Silo = RuntimeIdentity });
        if (sequence != s.Steps + 1)
            throw new StepSequenceException(this.GetPrimaryKeyString(), sequence, s.Steps);
        return ApplyAsync(input);
    }

    private async Task<StepResult> ApplyAsync(float[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length != host.InputSize) throw new ArgumentException($"input has {input.Length} floats, expected {host.InputSize}.", nameof(input));
        RnnStreamState s = store.State;
        float[] state = s.Values is null ? host.InitialState() : (float[])s.Values.Clone();
        var output = new float[host.OutputSize];
        string version = await host.StepAsync(state, s.Values is null ? "" : s.WeightsVersion, input, output);

        float[]? oldValues = s.Values, oldOutput = s.LastOutput;
        string oldVersion = s.WeightsVersion;
        s.Values = state;
        s.LastOutput = output;
        s.WeightsVersion = version;
        s.Steps++;
        if (s.Steps - StoredSteps >= host.Options.WriteEvery)
        {
            try
            {
                await store.WriteStateAsync();
                _storedSteps = s.Steps;
            }
            catch
            {
                // Not known to be stored: undo in memory and let the next call read storage again, so that a retry
                // applies the step exactly once (or is told the step is already there).
                s.Values = oldValues;
                s.LastOutput = oldOutput;
                s.WeightsVersion = oldVersion;
                s.Steps--;
                _storedSteps = -1;
                DeactivateOnIdle();
                throw;
            }
        }
        return new StepResult { Sequence = s.Steps, Output = output, WeightsVersion = version, Silo = RuntimeIdentity };
    }

    /// <inheritdoc/>
    public async Task ResetAsync()
    {
        store.State = new RnnStreamState();
        await store.WriteStateAsync();
        _storedSteps = 0;
    }

    /// <inheritdoc/>
    public Task<StreamStatus> GetStatusAsync() =>
        Task.FromResult(new StreamStatus { Steps = store.State.Steps, StoredSteps = StoredSteps, WeightsVersion = store.State.WeightsVersion });
}
