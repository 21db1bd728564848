// Trains an LSTM(256) with a checkpoint (parameters + Adam state, ~9 MB) after every update, resuming from the
// checkpoint when one exists, and prints "checkpoint N" after each write; it runs until it is killed. Used by
// RnnGen.Tests' CheckpointKillTests: usage  RnnGen.CheckpointWriter <checkpoint path>
using RnnGen;
using RnnGen.Optimization;
using RnnGen.Training;

string path = args.Length == 1 ? args[0] : throw new ArgumentException("usage: RnnGen.CheckpointWriter <checkpoint path>");
var spec = new NetworkSpec(8, [LayerSpec.Lstm(256), LayerSpec.Dense(1)], maxSteps: 4);
var random = new DeterministicRandom(1);
var data = Enumerable.Range(0, 64).Select(_ =>
{
    var x = new float[4 * 8];
    for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
    return Sequence.FromFloats(x, 4, new float[] { x[0], x[1], x[2], x[3] });
}).ToArray();
var options = new TrainerOptions
{
    BatchSize = 4, Epochs = 100_000, Seed = 1, CheckpointPath = path, CheckpointEvery = 1,
    Progress = new Progress<TrainingProgress>(p => Console.WriteLine($"checkpoint {p.Update}")), ProgressEvery = 1,
};
using var trainer = new Trainer(() => new ReferenceNetwork(spec), new Adam(1e-3f), options);
if (File.Exists(path)) trainer.LoadCheckpoint(path);
Console.WriteLine("started");
trainer.Fit(data);
