namespace RnnGen.Peers;

// Linked into RnnGen.Benchmarks and DotnetPeers: every .NET peer draws the harness weights from this one generator.
/// <summary>
/// std::mt19937 (32-bit Mersenne Twister, seeded as the C++ standard says) and libstdc++'s
/// <c>std::uniform_real_distribution&lt;float&gt;</c> on it: <c>generate_canonical&lt;float, 24&gt;</c> takes one 32-bit
/// draw u and returns float(u) / 2³² (the next float below 1 if that rounds up to 1), then a + c·(b − a). So the
/// values are bit-identical to those a C++ harness built on the same machine draws with the same seed and order.
/// </summary>
public sealed class Mt19937
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index;

    public Mt19937(uint seed)
    {
        _mt[0] = seed;
        for (int i = 1; i < N; i++) _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
        _index = N;
    }

    public Mt19937(int seed) : this(unchecked((uint)seed)) { }

    /// <summary>The next 32-bit output.</summary>
    public uint Next()
    {
        if (_index >= N) Twist();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>std::uniform_real_distribution&lt;float&gt;(a, b)(*this)</c> as libstdc++ computes it in a harness
    /// built with <c>g++ -O3 -march=native</c>: there g++ contracts c·(b − a) + a into one fused multiply-add wherever
    /// the CPU has FMA (checked: 200,000 draws bit-identical), and rounds twice where it has none.</summary>
    public float NextUniform(float a, float b)
    {
        float canonical = (float)(long)Next() / 4294967296f;
        if (canonical >= 1f) canonical = MathF.BitDecrement(1f);
        if (System.Runtime.Intrinsics.X86.Fma.IsSupported) return MathF.FusedMultiplyAdd(canonical, b - a, a);
        float product = canonical * (b - a);
        return product + a;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_mt[i] & 0x80000000u) | (_mt[(i + 1) % N] & 0x7fffffffu);
            uint next = _mt[(i + M) % N] ^ (y >> 1);
            if ((y & 1) != 0) next ^= 0x9908b0dfu;
            _mt[i] = next;
        }
        _index = 0;
    }
}
