using System.Globalization;

namespace RnnGen.Generators.Helpers;

/// <summary>Numbers as C# literals, independent of the culture the compiler runs in.</summary>
internal static class Literals
{
    public static string F(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float as a C# literal that round-trips (e.g. <c>0.9f</c>).</summary>
    public static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>Any float as a C# expression that gives back exactly its bits.</summary>
    public static string FloatLiteral(float value) =>
        float.IsNaN(value) ? "float.NaN" : float.IsPositiveInfinity(value) ? "float.PositiveInfinity" : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
        : value == 0 && 1 / value < 0 ? "-0f" : Float(value);
}
