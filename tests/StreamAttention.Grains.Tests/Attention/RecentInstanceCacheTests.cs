using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

public sealed class RecentInstanceCacheTests
{
    [Fact]
    public void A_key_instance_asked_again_gets_its_kept_value_and_an_equal_instance_is_computed_anew()
    {
        var computed = new List<string>();
        var cache = new RecentInstanceCache<string, string[]>(64, key => { computed.Add(key); return key.Split(' '); });
        var text = "disk usage high";
        var copy = new string(text.AsSpan());

        var first = cache.Get(text);

        Assert.Same(first, cache.Get(text));
        Assert.Equal(first, cache.Get(copy));
        Assert.Equal([text, copy], computed);
    }

    [Fact]
    public void It_keeps_one_value_a_slot_so_a_key_whose_slot_another_took_is_computed_again()
    {
        var computed = 0;
        // One slot: every key shares it.
        var cache = new RecentInstanceCache<string, int>(1, key => { computed++; return key.Length; });
        string first = "first", second = "second";

        cache.Get(first);
        cache.Get(second);
        cache.Get(second);
        cache.Get(first);

        Assert.Equal(3, computed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void Slots_are_a_power_of_two(int slots)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RecentInstanceCache<string, int>(slots, key => key.Length));
}
