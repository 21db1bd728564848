using System.Diagnostics.CodeAnalysis;

namespace RnnGen;

/// <summary>Argument checks whose messages are built only when they fail (hot paths must not allocate).</summary>
internal static class Guard
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming expected and actual sizes.</summary>
    public static void Length(int actual, int expected, string name)
    {
        if (actual != expected) ThrowLength(actual, expected, name, null);
    }

    [DoesNotReturn]
    public static void ThrowLength(int actual, int expected, string name, string? what) =>
        throw new ArgumentException($"{name} has {actual} elements; expected {expected}{(what is null ? "" : " (" + what + ")")}.", name);

    public static void Steps(int steps, int maxSteps, string name = "steps")
    {
        if (steps < 1 || steps > maxSteps)
            throw new ArgumentOutOfRangeException(name, steps, $"{name} = {steps}; expected 1..{maxSteps} (MaxSteps).");
    }
}
