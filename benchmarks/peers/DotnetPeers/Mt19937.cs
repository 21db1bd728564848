namespace RnnGen.Peers;

/// <summary>
/// std::mt19937 and std::uniform_real_distribution&lt;float&gt; as libstdc++ computes them, so the peers draw the same
/// weights as the C++ harness. libstdc++'s uniform_real_distribution&lt;float&gt; calls
/// generate_canonical&lt;float, 24&gt;, which takes one 32-bit draw (k = max(1, ceil(24 / 32)) = 1): it converts the
/// draw to float (rounding to nearest), divides by 2^32 in float, clamps a result of 1 to the float just below 1,
/// then returns canonical * (b - a) + a, all in float.
/// </summary>
internal sealed class Mt19937
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _state = new uint[N];
    private int _index;

    public Mt19937(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++)
            _state[i] = unchecked((1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30))) + (uint)i);
        _index = N;
    }

    public uint Next()
    {
        if (_index >= N)
            Twist();
        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>std::uniform_real_distribution&lt;float&gt;(a, b)(*this) with libstdc++'s generate_canonical.</summary>
    public float Uniform(float a, float b)
    {
        float canonical = (float)Next() / 4294967296f;
        if (canonical >= 1f)
            canonical = MathF.BitDecrement(1f);
        return (canonical * (b - a)) + a;
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % N] & 0x7FFFFFFFu);
            uint next = _state[(i + M) % N] ^ (y >> 1);
            if ((y & 1) != 0)
                next ^= 0x9908B0DFu;
            _state[i] = next;
        }
        _index = 0;
    }
}
