using System.Text.Json.Serialization;

namespace RnnGen.Training;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainerCheckpoint))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
