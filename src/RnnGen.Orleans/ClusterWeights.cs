using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace RnnGen.Orleans;

/// <summary>
/// The cluster's weights of <typeparamref name="TModel"/>: one grain per model (key <see cref="RnnWeights.Key"/>, get it
/// with <see cref="RnnWeights.GetRnnWeights{TModel}"/>) holding the current release in grain storage
/// (<see cref="RnnStreamGrain.StorageName"/>). An update is loaded on every live silo first and swapped in on every
/// live silo before the call returns; a silo that starts later loads the current release before it serves a step.
/// </summary>
public interface IRnnWeightsGrain<TModel> : IGrainWithStringKey
    where TModel : class, IRecurrentNetwork
{
    /// <summary>Loads the safetensors file <paramref name="path"/> (readable at that path on every silo) on every live
    /// silo as <paramref name="version"/>. Returns when every live silo serves it; a file that cannot be read leaves every
    /// silo on the weights it had, and the call fails with the reader's <see cref="InvalidDataException"/>.</summary>
    Task<WeightsRollout> LoadAsync(string path, string version);

    /// <summary>As <see cref="LoadAsync"/>, the weights given as the model's parameter floats
    /// (<see cref="IRecurrentNetwork.Parameters"/> order); a wrong count is refused with an <see cref="ArgumentException"/>.</summary>
    Task<WeightsRollout> SetAsync(float[] parameters, string version);

    /// <summary>The current release; null before the first cluster-wide update.</summary>
    Task<WeightsRelease?> GetCurrentAsync();

    /// <summary>The weights each live silo serves now.</summary>
    Task<SiloWeights[]> GetSilosAsync();
}

/// <summary>One cluster-wide release of a model's weights, as the weights grain stores it.</summary>
[GenerateSerializer, Immutable]
public sealed class WeightsRelease
{
    /// <summary>1 for the first release, then one more for each.</summary>
    [Id(0)] public long Number { get; init; }

    /// <summary>The version the streams record.</summary>
    [Id(1)] public string Version { get; init; } = "";

    /// <summary>The safetensors file the weights come from, or null when given as <see cref="Parameters"/>.</summary>
    [Id(2)] public string? Path { get; init; }

    /// <summary>The parameter floats, or null when loaded from <see cref="Path"/>.</summary>
    [Id(3)] public float[]? Parameters { get; init; }
}

/// <summary>What a cluster-wide update did.</summary>
[GenerateSerializer, Immutable]
public sealed class WeightsRollout
{
    /// <summary>The release's number.</summary>
    [Id(0)] public long Number { get; init; }

    /// <summary>The release's version.</summary>
    [Id(1)] public string Version { get; init; } = "";

    /// <summary>The silos that serve it now (every silo live when the call returned).</summary>
    [Id(2)] public string[] Silos { get; init; } = [];
}

/// <summary>The weights one silo serves.</summary>
[GenerateSerializer, Immutable]
public sealed class SiloWeights
{
    /// <summary>The silo.</summary>
    [Id(0)] public string Silo { get; init; } = "";

    /// <summary>The version in use.</summary>
    [Id(1)] public string Version { get; init; } = "";

    /// <summary>The cluster-wide release in use, 0 for the silo's own weights.</summary>
    [Id(2)] public long Release { get; init; }
}

/// <summary>Access to the cluster-wide weights grain.</summary>
public static class RnnWeights
{
    /// <summary>The key of every model's weights grain.</summary>
    public const string Key = "weights";

    /// <summary>The grain state's name in <see cref="RnnStreamGrain.StorageName"/>.</summary>
    public const string StateName = "release";

    /// <summary>The weights grain of <typeparamref name="TModel"/>.</summary>
    public static IRnnWeightsGrain<TModel> GetRnnWeights<TModel>(this IGrainFactory grains)
        where TModel : class, IRecurrentNetwork => grains.GetGrain<IRnnWeightsGrain<TModel>>(Key);
}

/// <summary>The weights grain's stored state.</summary>
[GenerateSerializer]
public sealed class RnnWeightsState
{
    /// <summary>The current release, null before the first.</summary>
    [Id(0)] public WeightsRelease? Current { get; set; }
}

/// <summary>The weights grain (see <see cref="IRnnWeightsGrain{TModel}"/>).</summary>
public sealed class RnnWeightsGrain<TModel>(
    [PersistentState(RnnWeights.StateName, RnnStreamGrain.StorageName)] IPersistentState<RnnWeightsState> store,
    IClusterMembershipService membership,
    ILogger<RnnWeightsGrain<TModel>> logger) : Grain, IRnnWeightsGrain<TModel>
    where TModel : class, IRecurrentNetwork
{
    /// <summary>How long a silo that fails a call without being declared dead is tried again.</summary>
    private static readonly TimeSpan SiloRetry = TimeSpan.FromSeconds(30);

    /// <inheritdoc/>
    public Task<WeightsRollout> LoadAsync(string path, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(version);
        return RollOut(new WeightsRelease { Number = Next, Version = version, Path = Path.GetFullPath(path) });
    }

    /// <inheritdoc/>
    public Task<WeightsRollout> SetAsync(float[] parameters, string version)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(version);
        return RollOut(new WeightsRelease { Number = Next, Version = version, Parameters = parameters });
    }

    /// <inheritdoc/>
    public Task<WeightsRelease?> GetCurrentAsync() => Task.FromResult(store.State.Current);

    /// <inheritdoc/>
    public async Task<SiloWeights[]> GetSilosAsync()
    {
        var result = new List<SiloWeights>();
        foreach (SiloAddress silo in Live())
        {
            SiloWeights? w = await OnSilo(silo, s => s.GetAsync());
            if (w is not null) result.Add(w);
        }
        return result.ToArray();
    }

    private long Next => (store.State.Current?.Number ?? 0) + 1;

    private SiloAddress[] Live() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToArray();

    private IRnnSiloWeightsGrain<TModel> Silo(SiloAddress silo) => GrainFactory.GetGrain<IRnnSiloWeightsGrain<TModel>>(silo.ToParsableString());

    /// <summary>Calls the silo's weights grain; a call that did not get through to a silo that is then no longer live is
    /// null, to a live silo it is tried again for <see cref="SiloRetry"/>; errors of the weights themselves are thrown at
    /// once.</summary>
    private async Task<T?> OnSilo<T>(SiloAddress silo, Func<IRnnSiloWeightsGrain<TModel>, Task<T>> call) where T : class
    {
        DateTime deadline = DateTime.UtcNow + SiloRetry;
        while (true)
        {
            try
            {
                return await call(Silo(silo));
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The call did not get through (a silo dying or gone, a lost message); the weights' own errors (a bad or
                // missing file, a wrong count) come back as they are and fail the update at once.
                if (!Live().Contains(silo)) return null;
                if (DateTime.UtcNow >= deadline) throw;
                logger.LogWarning(e, "Weights of {Model} on silo {Silo}: the call failed; trying again", typeof(TModel).Name, silo);
                await Task.Delay(200);
            }
        }
    }

    private async Task<WeightsRollout> RollOut(WeightsRelease release)
    {
        // 1. Every live silo loads the release into a new instance beside the one in use: a bad file fails here, before
        //    any silo swaps.
        SiloAddress[] silos = Live();
        await Task.WhenAll(silos.Select(s => OnSilo(s, g => g.PrepareAsync(release))));

        // 2. The release becomes current: a silo starting from now on loads it before it serves.
        store.State.Current = release;
        await store.WriteStateAsync();

        // 3. Every live silo swaps it in, including a silo that joined meanwhile.
        var done = new HashSet<SiloAddress>();
        while (Live().Where(s => !done.Contains(s)).ToArray() is { Length: > 0 } todo)
        {
            await Task.WhenAll(todo.Select(s => OnSilo(s, g => g.ApplyAsync(release))));
            foreach (SiloAddress s in todo) done.Add(s);
        }
        logger.LogInformation("Weights of {Model}: release {Number} ('{Version}') on {Count} silos", typeof(TModel).Name, release.Number, release.Version, done.Count);
        return new WeightsRollout { Number = release.Number, Version = release.Version, Silos = done.Where(s => Live().Contains(s)).Select(s => s.ToString()).ToArray() };
    }
}

/// <summary>The weights of <typeparamref name="TModel"/> on one silo (key: the silo's address). Used by the weights
/// grain to reach every silo.</summary>
public interface IRnnSiloWeightsGrain<TModel> : IGrainWithStringKey
    where TModel : class, IRecurrentNetwork
{
    /// <summary>Loads <paramref name="release"/> into a new instance, not yet in use; returns the silo.</summary>
    Task<string> PrepareAsync(WeightsRelease release);

    /// <summary>Swaps <paramref name="release"/> in (the prepared instance, or loaded now); returns the silo.</summary>
    Task<string> ApplyAsync(WeightsRelease release);

    /// <summary>The weights the silo serves.</summary>
    Task<SiloWeights> GetAsync();
}

/// <summary>The silo weights grain, activated on the silo its key names.</summary>
[SiloKeyedPlacement]
public sealed class RnnSiloWeightsGrain<TModel>(RnnModelHost<TModel> host, ILocalSiloDetails local) : Grain, IRnnSiloWeightsGrain<TModel>
    where TModel : class, IRecurrentNetwork
{
    private (long Number, TModel Model)? _prepared;

    private void CheckSilo()
    {
        if (this.GetPrimaryKeyString() != local.SiloAddress.ToParsableString())
            throw new InvalidOperationException($"The weights grain of silo {this.GetPrimaryKeyString()} was activated on {local.SiloAddress}.");
    }

    /// <inheritdoc/>
    public Task<string> PrepareAsync(WeightsRelease release)
    {
        CheckSilo();
        _prepared = (release.Number, host.Build(release));
        return Task.FromResult(local.SiloAddress.ToString());
    }

    /// <inheritdoc/>
    public Task<string> ApplyAsync(WeightsRelease release)
    {
        CheckSilo();
        TModel model = _prepared is { } p && p.Number == release.Number ? p.Model : host.Build(release);
        _prepared = null;
        host.Apply(model, release);
        return Task.FromResult(local.SiloAddress.ToString());
    }

    /// <inheritdoc/>
    public Task<SiloWeights> GetAsync()
    {
        CheckSilo();
        return Task.FromResult(new SiloWeights { Silo = local.SiloAddress.ToString(), Version = host.Weights.Version, Release = host.Release });
    }
}

/// <summary>Places a grain on the silo whose address (<see cref="SiloAddress.ToParsableString"/>) is its key.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloKeyedPlacement : PlacementStrategy;

/// <summary>Marks a grain class for <see cref="SiloKeyedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(new SiloKeyedPlacement());

internal sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString()!;
        SiloAddress silo = SiloAddress.FromParsableString(key);
        if (!context.GetCompatibleSilos(target).Contains(silo))
            throw new SiloUnavailableException($"Silo {key} is not an active silo able to host {target.GrainIdentity.Type}.");
        return Task.FromResult(silo);
    }
}

/// <summary>At silo start-up: holds the model's steps, loads the cluster's current release if there is one, then lets
/// the steps run, so that a silo joining after an update never serves a step on older weights.</summary>
internal sealed class ClusterWeightsStartup<TModel>(RnnModelHost<TModel> host, IGrainFactory grains, ILogger<ClusterWeightsStartup<TModel>> logger)
    : ILifecycleParticipant<ISiloLifecycle>
    where TModel : class, IRecurrentNetwork
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        string name = $"RnnGen weights of {typeof(TModel).Name}";
        lifecycle.Subscribe(name, ServiceLifecycleStage.RuntimeInitialize, _ => { host.Hold(); return Task.CompletedTask; }, _ => { host.Open(); return Task.CompletedTask; });
        lifecycle.Subscribe(name, ServiceLifecycleStage.Active, Sync);
    }

    private async Task Sync(CancellationToken cancellation)
    {
        try
        {
            DateTime deadline = DateTime.UtcNow + host.Options.WeightsSyncTimeout;
            while (true)
            {
                try
                {
                    WeightsRelease? current = await grains.GetRnnWeights<TModel>().GetCurrentAsync();
                    if (current is not null && current.Number > host.Release) host.Apply(host.Build(current), current);
                    return;
                }
                catch (Exception e) when ((e is OrleansException or TimeoutException) && DateTime.UtcNow < deadline && !cancellation.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Weights of {Model}: reading the current release failed; trying again", typeof(TModel).Name);
                    await Task.Delay(200, cancellation);
                }
            }
        }
        finally
        {
            host.Open();
        }
    }
}

internal static class ClusterWeightsRegistration
{
    public static void Add<TModel>(IServiceCollection services)
        where TModel : class, IRecurrentNetwork
    {
        if (!services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, typeof(SiloKeyedPlacement))))
            services.AddPlacementDirector<SiloKeyedPlacement, SiloKeyedPlacementDirector>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ClusterWeightsStartup<TModel>>();
    }
}
