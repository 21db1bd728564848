using System.Text.RegularExpressions;

namespace RnnGen.Generators.Tests;

/// <summary>
/// The streaming kernels written for each shape, through the generated source: every remainder the plan rules can
/// produce (register passes that divide the unit blocks or leave some over, columns that divide the chains or leave
/// some, Dense row blocks full and padded, Dense dot products, Vector512 and Vector256 widths) compiles, and the
/// one-line plan above each kernel says what was chosen. The runtime tests run the same models (the model matrix)
/// for parity, many-stream bit-identity and allocations.
/// </summary>
public sealed class StreamPlannerTests
{
    private static string Generate(string layers, int input = 8)
    {
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings +
            $"namespace Demo; [RnnModel(InputSize = {input}, MaxSteps = 4)] {layers} public partial class M;");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        return run.Source("M.g.cs");
    }

    private static string[] Plans(string source) => [.. Regex.Matches(source, "// (plan: .*)").Select(m => m.Groups[1].Value).Distinct()];

    public static TheoryData<string, int, string[]> Shapes() => new()
    {
        // LSTM 1 → 8: Vector256 (8 units) at both tiers, one block, 4 chains (3 on the 16-register tier), written out;
        // Dense(1) as one dot product
        { "[Lstm(8)] [Dense(1)]", 1, ["plan: Vector256; 1 unit block of 8, 1 per pass (1 pass); 16 accumulators = 1 × 4 slots × 4 chains; 1 x + 8 h columns, unrolled",
            "plan: Vector256; 1 unit block of 8, 1 per pass (1 pass); 12 accumulators = 1 × 4 slots × 3 chains; 1 x + 8 h columns, unrolled",
            "plan: Vector256; 1 row as dot products over 1 vector of x, 1 chain each"] },
        // LSTM 8 → 32: Vector512, two blocks of 16 in one pass, columns in loops of 2; on the 256 tier 4 blocks, 3 per
        // pass, one left over; Dense(8) one row block, 4 chains
        { "[Lstm(32)] [Dense(8)]", 8, ["plan: Vector512; 2 unit blocks of 16, 2 per pass (1 pass); 16 accumulators = 2 × 4 slots × 2 chains; 8 x + 32 h columns, loops of 2",
            "plan: Vector256; 4 unit blocks of 8, 3 per pass (2 passes); 12 accumulators = 3 × 4 slots × 1 chain; 8 x + 32 h columns, loops of 1",
            "plan: Vector256; 1 row block of 8, 1 per pass; 4 accumulators = 1 × 4 chains; 32 columns, unrolled"] },
        // 8 blocks in passes of 6 (2 left), 16 in passes of 3 (1 left); Dense(65) padded to 9 blocks of 8
        { "[Lstm(128)] [Dense(65, Activation.Softmax)]", 3, ["plan: Vector512; 8 unit blocks of 16, 6 per pass (2 passes); 24 accumulators = 6 × 4 slots × 1 chain; 3 x + 128 h columns, loops of 1",
            "plan: Vector256; 16 unit blocks of 8, 3 per pass (6 passes); 12 accumulators = 3 × 4 slots × 1 chain",
            "plan: Vector256; 9 row blocks of 8 (the last, 1 rows padded, in a pass of its own), 8 per pass; 16 accumulators = 8 × 2 chains; 128 columns, loops of 2",
            "plan: Vector256; 9 row blocks of 8 (the last, 1 rows padded, in a pass of its own), 8 per pass; 8 accumulators = 8 × 1 chain"] },
        // GRU: 4 slots (n's two parts apart); 5 x columns over 2 chains leave one over; Dense(16) Vector512 at 512
        { "[Gru(48)] [Dense(16, Activation.Tanh)]", 5, ["plan: Vector512; 3 unit blocks of 16, 3 per pass (1 pass); 24 accumulators = 3 × 4 slots × 2 chains; 5 x + 48 h columns, loops of 2",
            "plan: Vector256; 6 unit blocks of 8, 3 per pass (2 passes); 12 accumulators = 3 × 4 slots × 1 chain",
            "plan: Vector512; 1 row block of 16, 1 per pass; 4 accumulators = 1 × 4 chains; 48 columns, unrolled",
            "plan: Vector256; 2 row blocks of 8, 2 per pass; 8 accumulators = 2 × 4 chains; 48 columns, unrolled"] },
        // Elman, 24 units: not a multiple of 16, so Vector256 blocks at both tiers; Dense(3) as dot products over 3 vectors
        { "[Rnn(24, Activation = Activation.Relu)] [Dense(3)]", 7, ["plan: Vector256; 3 unit blocks of 8, 3 per pass (1 pass); 12 accumulators = 3 × 1 slot × 4 chains; 7 x + 24 h columns, unrolled",
            "plan: Vector256; 3 rows as dot products over 3 vectors of x, 3 chains each"] },
        // a Dense layer between recurrent ones (padded from 12 rows), and a recurrent last layer
        { "[Lstm(16)] [Dense(12, Activation.Relu)] [Gru(8)]", 4, ["plan: Vector512; 1 unit block of 16, 1 per pass (1 pass); 16 accumulators = 1 × 4 slots × 4 chains; 4 x + 16 h columns, unrolled",
            "plan: Vector256; 2 row blocks of 8 (the last, 4 rows padded, in a pass of its own), 1 per pass; 4 accumulators = 1 × 4 chains; 16 columns, unrolled",
            "plan: Vector256; 1 unit block of 8, 1 per pass (1 pass); 16 accumulators = 1 × 4 slots × 4 chains; 12 x + 8 h columns, unrolled"] },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Each_shape_gets_its_plan_and_the_kernels_compile(string layers, int input, string[] expected)
    {
        string[] plans = Plans(Generate(layers, input));
        foreach (string plan in expected)
            Assert.Contains(plans, p => p.StartsWith(plan, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[Lstm(20)] [Dense(1)]")]                     // 20 units: no whole vectors
    [InlineData("[Rnn(32, Leak = 0.5f)] [Dense(1)]")]         // leaky units
    [InlineData("[Rnn(32, SkipDelay = 2)] [Dense(1)]")]       // a skip connection through time
    [InlineData("[Lstm(32, Peepholes = true)] [Dense(1)]")]   // peepholes
    [InlineData("[Lstm(32, ProjectionSize = 16)] [Dense(1)]")] // a projection
    [InlineData("[Gru(32, ResetAfter = false)] [Dense(1)]")]   // the reset before the recurrent product
    [InlineData("[Gru(32, Bidirectional = true)] [Dense(1)]")] // no streaming step at all
    [InlineData("[Lstm(32)] [Dense(3)] [Dense(3)]")]           // dot products need whole vectors of input (3 here)
    public void Layers_the_kernels_do_not_cover_keep_the_whole_model_on_the_portable_kernels(string layers)
    {
        string source = Generate(layers);
        Assert.DoesNotContain("private void Step512(", source, StringComparison.Ordinal);
        Assert.DoesNotContain("_streamPacked ", source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_Dense_head_over_whole_vectors_is_a_dot_product_kernel()
    {
        string source = Generate("[Lstm(32)] [Dense(3)]", 5);
        Assert.Contains("private void Step512(", source, StringComparison.Ordinal);
        Assert.Contains(Plans(source), p => p.StartsWith("plan: Vector512; 3 rows as dot products over 2 vectors of x", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_column_and_pass_remainder_compiles()
    {
        // x columns 1 … 9 against 1 … 4 chains; hidden sizes giving 1 … 9 blocks at both widths
        foreach (int input in new[] { 1, 2, 3, 5, 9 })
            foreach (int hidden in new[] { 8, 24, 40, 72, 136 })
                foreach (string cell in new[] { "Lstm", "Gru", "Rnn" })
                    Assert.NotEmpty(Plans(Generate($"[{cell}({hidden})] [Dense({(hidden % 3) + 1})]", input)));
    }
}
