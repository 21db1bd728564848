using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace RnnGen.Orleans;

/// <summary>
/// Grain state held in this process's memory, outside every silo, so that it survives a silo of the process being
/// stopped or killed (Orleans' own memory storage keeps state in grains on the silos, and loses a silo's share with
/// it). For tests and single-process demonstrations; a fleet uses a real store (Redis, a database).
/// Values are stored serialized (no aliasing with the grain's object) and checked by ETag.
/// </summary>
public sealed class ProcessStateStore
{
    internal readonly ConcurrentDictionary<string, (byte[] Bytes, long ETag)> Entries = new();
    private long _etag;

    internal long NextETag() => Interlocked.Increment(ref _etag);

    /// <summary>Entries held.</summary>
    public int Count => Entries.Count;

    /// <summary>Forgets every entry.</summary>
    public void Clear() => Entries.Clear();
}

/// <summary>The <see cref="IGrainStorage"/> over a <see cref="ProcessStateStore"/>; entries are kept apart by
/// <paramref name="serviceId"/> (the cluster's <c>ClusterOptions.ServiceId</c>), as Orleans' storages do.</summary>
public sealed class ProcessGrainStorage(ProcessStateStore store, Serializer serializer, string serviceId) : IGrainStorage
{
    /// <summary>A storage for the service with the empty id.</summary>
    public ProcessGrainStorage(ProcessStateStore store, Serializer serializer) : this(store, serializer, "") { }

    private string Key(string stateName, GrainId grainId) => serviceId + "/" + stateName + "/" + grainId.ToString();

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.Entries.TryGetValue(Key(stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Bytes);
            grainState.ETag = entry.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string key = Key(stateName, grainId);
        byte[] bytes = serializer.SerializeToArray(grainState.State);
        long etag = store.NextETag();
        store.Entries.AddOrUpdate(key,
            _ => grainState.ETag is null ? (bytes, etag) : throw Mismatch(key, grainState.ETag, null),
            (_, old) => grainState.ETag == old.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture) ? (bytes, etag) : throw Mismatch(key, grainState.ETag, old.ETag));
        grainState.ETag = etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.Entries.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    private static InconsistentStateException Mismatch(string key, string? given, long? stored) =>
        new($"{key}: ETag {given ?? "(none)"} does not match the stored {stored?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}.", stored?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", given ?? "");
}

/// <summary>Registers a <see cref="ProcessGrainStorage"/>.</summary>
public static class ProcessGrainStorageExtensions
{
    /// <summary>Adds grain storage <paramref name="name"/> (default <see cref="RnnStreamGrain.StorageName"/>) over
    /// <paramref name="store"/>, shared by every silo of the process given the same store.</summary>
    public static ISiloBuilder AddProcessGrainStorage(this ISiloBuilder silo, ProcessStateStore store, string name = RnnStreamGrain.StorageName)
    {
        silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new ProcessGrainStorage(store, sp.GetRequiredService<Serializer>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<global::Orleans.Configuration.ClusterOptions>>().Value.ServiceId));
        return silo;
    }
}
