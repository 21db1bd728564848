using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Serialization.Configuration;

namespace RnnGen.Orleans;

/// <summary>Registers models for serving on a silo.</summary>
public static class RnnOrleansHostingExtensions
{
    /// <summary>
    /// Serves the streams of <typeparamref name="TModel"/> on this silo: one weights instance, made by
    /// <paramref name="create"/> (weights baked in, or loaded in it) and, when <paramref name="weightsPath"/> is given,
    /// loaded from that safetensors file; <paramref name="version"/> names those weights.
    /// </summary>
    public static ISiloBuilder AddRnnModel<TModel, TState>(this ISiloBuilder silo, Func<TModel> create, string version,
        string? weightsPath = null, Action<RnnServingOptions>? configure = null)
        where TModel : class, IStreamingModel<TState>
        where TState : unmanaged
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentException.ThrowIfNullOrEmpty(version);
        var options = new RnnServingOptions();
        configure?.Invoke(options);
        options.Validate();
        AllowModelType<TModel>(silo.Services);
        ClusterWeightsRegistration.Add<TModel>(silo.Services);
        silo.Services.AddSingleton<RnnModelHost<TModel>>(_ =>
        {
            TModel model = create();
            if (weightsPath is not null) model.LoadSafetensors(weightsPath);
            return new RnnModelHost<TModel, TState>(new ModelWeights<TModel>(model, version), create, options);
        });
        return silo;
    }

    /// <summary>Lets this client call the stream grains of <typeparamref name="TModel"/> (Orleans names grain
    /// interfaces by their type arguments, and allows only the types it is told of).</summary>
    public static IClientBuilder AddRnnModelClient<TModel>(this IClientBuilder client)
        where TModel : class, IRecurrentNetwork
    {
        AllowModelType<TModel>(client.Services);
        return client;
    }

    private static void AllowModelType<TModel>(IServiceCollection services) =>
        services.Configure<TypeManifestOptions>(o => o.AddAllowedType(typeof(TModel)));
}
