using System.Text.Json.Serialization;

namespace RnnGen.Training;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainerCheckpoint))]
[JsonSerializable(typeof(Trainer.Position))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
