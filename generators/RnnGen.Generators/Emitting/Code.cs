using RnnGen.Generators.Helpers;
using RnnGen.Generators.Planning;

namespace RnnGen.Generators.Emitting;

/// <summary>Names the generated code uses again and again, and small builders of C# expressions.</summary>
internal static class Code
{
    public const string K = "global::RnnGen.Kernels.VectorKernels";
    public const string Act = "global::RnnGen.Kernels.Activations";
    public const string Cells = "global::RnnGen.Generated";
    public const string Support = "global::RnnGen.Generated.GeneratedModelSupport";
    public const string Span = "global::System.Span<float>";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string ReadOnlySpanInt = "global::System.ReadOnlySpan<int>";
    public const string MethodImpl = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";
    public const string NoInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]";

    public static string F(int value) => Literals.F(value);

    public static string Float(float value) => Literals.Float(value);

    /// <summary><paramref name="expression"/> · <paramref name="factor"/>, without a <c>* 1</c>.</summary>
    public static string Times(string expression, int factor) => factor == 1 ? expression : $"{expression} * {F(factor)}";

    /// <summary><paramref name="expression"/> + <paramref name="term"/>, without a <c>+ 0</c>.</summary>
    public static string Plus(string expression, int term) => term == 0 ? expression : $"{expression} + {F(term)}";

    /// <summary><paramref name="expression"/> + <paramref name="term"/> (a named offset), without a <c>0 +</c>.</summary>
    public static string Plus(string expression, string term) => expression == "0" ? term : term == "0" ? expression : $"{expression} + {term}";

    /// <summary>The product of <paramref name="factors"/> as C#, leaving out the factors that are "1".</summary>
    public static string Product(params string[] factors)
    {
        string[] kept = System.Array.FindAll(factors, f => f != "1");
        return kept.Length == 0 ? "1" : string.Join(" * ", kept);
    }

    /// <summary>A tensor's named offset and its length, as the arguments of <c>Slice</c>.</summary>
    public static string Range(TensorPlan tensor) => $"{tensor.Constant}, {F(tensor.Length)}";

    /// <summary>A packed block's named offset and its length, as the arguments of <c>Slice</c>.</summary>
    public static string Range(PackedTensorPlan block) => $"{block.Constant}, {F(block.Length)}";
}
