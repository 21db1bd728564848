using System.Text.RegularExpressions;

namespace RnnGen.Generators.Tests;

/// <summary>
/// The sequence slots of a recurrent layer's batched buffers (states, gate cache, dz records) are never a multiple of
/// 4 KiB apart: a step's product touches the same offset of every slot, and slots on the same L1 sets evict the weight
/// panel it reuses. Checked on the generated source of shapes whose plain strides are exact multiples of 4 KiB.
/// </summary>
public sealed class SlotStrideTests
{
    [Theory]
    [InlineData("[Lstm(128)]", 32, 64, 41024)]   // gate cache 64 steps × 640 floats = 40 × 4 KiB
    [InlineData("[Gru(128)]", 32, 64, -1)]
    [InlineData("[Rnn(256)]", 16, 16, -1)]
    [InlineData("[Lstm(64)] [Lstm(32)]", 8, 32, -1)]
    public void Slot_strides_avoid_4_KiB_aliasing(string layers, int input, int maxSteps, int expectedCacheStride)
    {
        GeneratorHarness.Run run = GeneratorHarness.RunGenerator(GeneratorHarness.Usings +
            $"namespace Demo; [RnnModel(InputSize = {input}, MaxSteps = {maxSteps})] {layers} public partial class M;");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompileErrors);
        string source = run.Source("M.g.cs");
        int[] strides = [.. Regex.Matches(source, @"(?:states|cache|dz)\.Slice\(b \* (\d+)").Select(m => int.Parse(m.Groups[1].Value)).Distinct()];
        Assert.NotEmpty(strides);
        foreach (int stride in strides)
        {
            Assert.Equal(0, stride % 16);
            int offset = stride % 1024;
            Assert.True(offset >= 64 && offset <= 1024 - 64, $"{layers}: slot stride {stride} floats is {offset} floats from a multiple of 4 KiB");
        }
        if (expectedCacheStride > 0) Assert.Contains(expectedCacheStride, strides);
    }
}
