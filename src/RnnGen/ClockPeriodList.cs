using System.Collections;

namespace RnnGen;

/// <summary>The clock periods of a <see cref="LayerSpec"/>: an immutable copy, equal to another with the same periods
/// (so that specs compare by value).</summary>
internal sealed class ClockPeriodList : IReadOnlyList<int>, IEquatable<ClockPeriodList>
{
    private readonly int[] _periods;

    public ClockPeriodList(IEnumerable<int> periods) => _periods = periods.ToArray();

    public int this[int index] => _periods[index];

    public int Count => _periods.Length;

    public int[] ToArray() => (int[])_periods.Clone();

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_periods).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(ClockPeriodList? other) => other is not null && _periods.AsSpan().SequenceEqual(other._periods);

    public override bool Equals(object? obj) => Equals(obj as ClockPeriodList);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int period in _periods) hash.Add(period);
        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _periods) + "]";
}
