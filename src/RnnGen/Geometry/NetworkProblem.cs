using System;

namespace RnnGen.Geometry;

/// <summary>
/// One broken whole-network rule: where (<see cref="Layer"/>, -1 for the network itself), which property (the
/// <see cref="ArgumentException.ParamName"/> <see cref="NetworkSpec"/> throws with, e.g. <c>Layers[1].Size</c>), the
/// runtime's message, and the offending value for the generator to put in its own diagnostic.
/// </summary>
internal sealed class NetworkProblem
{
    public NetworkProblem(ProblemKind kind, int layer, string property, string message,
        long value = 0, float number = 0f, Type? enumType = null)
    {
        Kind = kind;
        Layer = layer;
        Property = property;
        Message = message;
        Value = value;
        Number = number;
        EnumType = enumType;
    }

    public ProblemKind Kind { get; }

    /// <summary>The layer's index, or -1 for a property of the network.</summary>
    public int Layer { get; }

    /// <summary>The property, as <see cref="NetworkSpec"/> names it: <c>MaxSteps</c>, <c>Layers[0].Leak</c>, ….</summary>
    public string Property { get; }

    /// <summary>The message <see cref="NetworkSpec"/> throws.</summary>
    public string Message { get; }

    /// <summary>The offending integer (size, count, skip delay, enum value as a number).</summary>
    public long Value { get; }

    /// <summary>The offending float (leak, spectral radius, density, input scaling).</summary>
    public float Number { get; }

    /// <summary>For <see cref="ProblemKind.UndefinedEnum"/>: the enum type.</summary>
    public Type? EnumType { get; }

    /// <summary>The exception <see cref="NetworkSpec"/> throws for this problem.</summary>
    public ArgumentException ToException() => new(Message, Property);

    /// <inheritdoc/>
    public override string ToString() => Message;
}
