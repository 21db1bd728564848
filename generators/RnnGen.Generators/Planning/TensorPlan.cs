using RnnGen.Generators.Helpers;

namespace RnnGen.Generators.Planning;

/// <summary>
/// One tensor of the parameter layout: its PyTorch name and shape, its offset in <c>Parameters</c> (also the offset of
/// its gradient and of its backward packing in <c>_packedBack</c>), and the constant the generated code names it by.
/// </summary>
internal sealed record TensorPlan(string Name, EquatableArray<int> Shape, int Offset, string Constant)
{
    /// <summary>Floats in the tensor.</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int dimension in Shape) length *= dimension;
            return length;
        }
    }

    /// <summary>The shape as PyTorch prints it, e.g. <c>[512, 32]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
