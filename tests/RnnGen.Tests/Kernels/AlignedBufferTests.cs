using RnnGen.Kernels;

namespace RnnGen.Tests.Kernels;

/// <summary>The packed weights' buffer: cache-line aligned whatever the GC's placement, zeroed, of the length asked.</summary>
public sealed class AlignedBufferTests
{
    [Fact]
    public void The_first_element_is_64_byte_aligned_at_every_length_and_placement()
    {
        var keep = new List<object>();
        for (int length = 0; length < 200; length++)
        {
            keep.Add(new byte[length % 7 * 8 + 1]);   // move the next allocation's placement around
            var buffer = new AlignedBuffer(length);
            keep.Add(buffer);
            Assert.Equal(0, buffer.Address % AlignedBuffer.Alignment);
            Assert.Equal(length, buffer.Length);
            Assert.Equal(length, buffer.Span.Length);
            Assert.All(buffer.Span.ToArray(), v => Assert.Equal(0f, v));
            buffer.Span.Fill(1f);   // the whole span is writable
        }
        GC.KeepAlive(keep);
    }

    [Fact]
    public void A_negative_length_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer(-1));
}
