namespace RnnGen.Tests.Helpers;

internal static class Allocations
{
    /// <summary>Bytes allocated by the least-allocating of up to three runs of <paramref name="work"/>.</summary>
    public static long SteadyState(Action work)
    {
        long least = long.MaxValue;
        for (int run = 0; run < 3 && least > 0; run++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
