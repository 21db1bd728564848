// The namespaces every sample uses: the runtime, its optimizers and trainer, the samples' shared console helpers and
// Spectre.Console for the progress display. A sample's Program.cs adds only the ones particular to it.
global using RnnGen;
global using RnnGen.Optimization;
global using RnnGen.Samples;
global using RnnGen.Training;
global using Spectre.Console;
