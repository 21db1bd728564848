namespace RnnGen.Generators.Planning;

/// <summary>
/// One block of the forward kernels' packed weights (<c>_packed</c>): the transposed matrices, the summed or separate
/// biases, a learned leak's α = σ(λ). <paramref name="Description"/> says what it holds and in which shape.
/// </summary>
internal sealed record PackedTensorPlan(string Constant, int Offset, int Length, string Description);
