namespace RnnGen.Samples.Tests;

/// <summary>Tests that pack, publish or build in the repository's folders run one at a time, never beside each other.</summary>
[CollectionDefinition(nameof(RepositoryBuilds), DisableParallelization = true)]
public sealed class RepositoryBuilds;
