namespace RnnGen;

// Linked into the generator (RNNGEN_GENERATOR), where it is internal so it never clashes with this public type.
/// <summary>Which steps produce outputs and are scored by the loss.</summary>
#if RNNGEN_GENERATOR
internal
#else
public
#endif
enum OutputMode
{
    /// <summary>Many-to-many: every step has an output and a target.</summary>
    EveryStep = 0,
    /// <summary>Many-to-one: only the last step has an output and a target.</summary>
    LastStep = 1,
}
