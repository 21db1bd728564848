using System.Numerics;
using Xunit.Sdk;

namespace RnnGen.Tests.Helpers;

internal static class Numerics
{
    /// <summary>Passes when every |actual − expected| ≤ max(abs, rel·|expected|); otherwise reports the worst element.</summary>
    public static void AssertClose<TE, TA>(ReadOnlySpan<TE> expected, ReadOnlySpan<TA> actual, string what, double rel = 1e-5, double abs = 1e-6)
        where TE : INumberBase<TE> where TA : INumberBase<TA>
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}.");
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), a = double.CreateChecked(actual[i]);
            double allowed = Math.Max(abs, rel * Math.Abs(e));
            double diff = Math.Abs(a - e);
            if (!(diff <= allowed) && (worst < 0 || diff / allowed > worstExcess))
            {
                worst = i;
                worstExcess = double.IsNaN(diff) ? double.PositiveInfinity : diff / allowed;
            }
        }
        if (worst >= 0)
            throw new XunitException($"{what}: element {worst} of {expected.Length}: expected {expected[worst]}, got {actual[worst]} " +
                $"(|diff| = {Math.Abs(double.CreateChecked(actual[worst]) - double.CreateChecked(expected[worst])):G3}, tolerance rel {rel:G2} / abs {abs:G2}).");
    }

    public static void AssertClose(double expected, double actual, string what, double rel = 1e-5, double abs = 1e-6) =>
        AssertClose<double, double>([expected], [actual], what, rel, abs);

    public static T[] Random<T>(int count, int seed, double scale = 1.0) where T : INumberBase<T>
    {
        var random = new DeterministicRandom((ulong)seed);
        var values = new T[count];
        for (int i = 0; i < count; i++) values[i] = T.CreateChecked(random.NextNormal() * scale);
        return values;
    }

    public static T[] Convert<T>(ReadOnlySpan<float> values) where T : INumberBase<T>
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = T.CreateChecked(values[i]);
        return result;
    }
}
