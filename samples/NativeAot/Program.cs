// NativeAOT: train a generated GRU for a few updates, checkpoint it, reload it and stream predictions — the same code
// path an embedded app ships — with no JIT, no reflection. Prints every number in round-trip form, so the native
// binary's output can be compared with the JIT build's line for line (tests/RnnGen.Samples.Tests does exactly that).
//   dotnet publish samples/NativeAot -c Release -r linux-x64 -p:IlcInstructionSet=native && samples/NativeAot/bin/Release/net10.0/linux-x64/publish/NativeAot
using System.Globalization;
using RnnGen;
using RnnGen.Optimization;
using RnnGen.Samples;
using RnnGen.Training;

BuildCheck.WarnIfDebug();
// Asked of the runtime, not of the host's file name: dotnet run starts the apphost (bin/…/NativeAot), a JIT build all the same.
Console.WriteLine($"runtime: {(BuildCheck.UnderJit ? "JIT" : "native executable")}");
var random = new DeterministicRandom(3);
var data = new Sequence[32];
for (int i = 0; i < data.Length; i++)
{
    var x = new float[16];
    for (int t = 0; t < 16; t++) x[t] = (float)Math.Sin(0.4 * t + i) + 0.1f * (float)random.NextDouble();
    data[i] = Sequence.FromFloats(x, 16, x.Skip(1).Append(x[0]).ToArray());   // predict the next value
}
string checkpoint = Path.Combine(Path.GetTempPath(), $"rnngen-aot-{Environment.ProcessId}.safetensors");
try
{
    using (var trainer = new Trainer(() => new SineGru(), new Adam(0.01f), new TrainerOptions { BatchSize = 8, Epochs = 5, Seed = 1, Workers = 1, CheckpointPath = checkpoint, CheckpointEvery = 20 }))
    {
        TrainingResult result = trainer.Fit(data);
        Console.WriteLine($"trained {result.Updates} updates, smoothed loss {result.SmoothedLoss.ToString("R", CultureInfo.InvariantCulture)}");
    }
    var model = new SineGru();
    model.LoadSafetensors(checkpoint, new Dictionary<string, string>(), ignoreUnusedTensors: true);   // the checkpoint also holds Adam's moments
    var y = new float[1];
    var state = new SineGru.State();
    for (int t = 0; t < 8; t++)
    {
        model.Step(ref state, [(float)Math.Sin(0.4 * t)], y);
        Console.WriteLine($"step {t}: {y[0].ToString("R", CultureInfo.InvariantCulture)}");
    }
    Console.WriteLine("aot sample ok");
}
finally
{
    File.Delete(checkpoint);
    File.Delete(checkpoint + ".json");
}

[RnnModel(InputSize = 1, MaxSteps = 16)]
[Gru(16)]
[Dense(1)]
internal partial class SineGru;
