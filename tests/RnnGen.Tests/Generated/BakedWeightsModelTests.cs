namespace RnnGen.Tests.Generated;

/// <summary>A model whose weights the generator baked in from a file of this project.</summary>
[RnnModel(InputSize = 2, MaxSteps = 8, Weights = "Generated/baked-gru.safetensors")]   // relative to the project directory
[Gru(3)]
[Dense(1)]
public partial class BakedGru;

/// <summary>Weights baked in at compile time, end to end through MSBuild.</summary>
public sealed class BakedWeightsModelTests
{
    [Fact]
    public void A_new_instance_starts_with_the_file_s_weights_and_runs_without_reading_any_file()
    {
        var baked = new BakedGru();
        var reference = new ReferenceNetwork(BakedGru.Spec);
        reference.LoadSafetensors(Path.Combine(AppContext.BaseDirectory, "Generated", "baked-gru.safetensors"));
        Assert.Equal(reference.Parameters.ToArray(), baked.Parameters.ToArray());
        Assert.Contains(baked.Parameters.ToArray(), p => p != 0f);

        float[] x = [0.3f, -0.7f, 1.1f, 0.2f, -0.4f, 0.9f];
        float[] a = new float[3], b = new float[3];
        baked.Forward(x, 3, a);
        reference.Forward(x, 3, b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 5);   // generated kernels vs the reference's loops

        var other = new BakedGru();   // every instance gets its own copy
        baked.Parameters[0] = 42f;
        Assert.NotEqual(42f, other.Parameters[0]);
    }
}
