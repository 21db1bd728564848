using System.Text.Json.Serialization;

namespace RnnGen;

/// <summary>The source-generated JSON metadata of <see cref="NetworkSpec"/> (camelCase, enums as names).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(NetworkSpec))]
internal sealed partial class NetworkSpecJsonContext : JsonSerializerContext;
