using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

public sealed class RecentInstanceCacheTests
{
    [Fact]
    public void A_key_instance_asked_again_gets_its_kept_value_and_an_equal_instance_is_computed_anew()
    {
        var computed = new List<string>();
        var cache = new RecentInstanceCache<string, string[]>(64, 4, key => { computed.Add(key); return key.Split(' '); });
        var text = "disk usage high";
        var copy = new string(text.AsSpan());

        var first = cache.Get(text);

        Assert.Same(first, cache.Get(text));
        Assert.Equal(first, cache.Get(copy));
        Assert.Equal([text, copy], computed);
    }

    [Fact]
    public void A_set_keeps_as_many_keys_as_it_has_ways_and_a_key_more_takes_the_oldest_only()
    {
        var computed = new List<string>();
        // One set: every key shares it.
        var cache = new RecentInstanceCache<string, int>(1, 4, key => { computed.Add(key); return key.Length; });
        string[] keys = ["first", "second", "third", "fourth", "fifth"];

        foreach (var key in keys)
        {
            cache.Get(key);
        }
        // The four newest are kept, in any order asked.
        cache.Get("fifth");
        cache.Get("second");
        cache.Get("fourth");
        cache.Get("third");
        // The oldest was replaced: computed again, it takes the slot of the oldest left ("second").
        cache.Get("first");
        cache.Get("second");

        Assert.Equal([.. keys, "first", "second"], computed);
    }

    [Fact]
    public void With_one_way_two_keys_of_one_set_take_it_from_each_other()
    {
        var computed = 0;
        var cache = new RecentInstanceCache<string, int>(1, 1, key => { computed++; return key.Length; });
        string first = "first", second = "second";

        cache.Get(first);
        cache.Get(second);
        cache.Get(second);
        cache.Get(first);

        Assert.Equal(3, computed);
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(3, 4)]
    [InlineData(4, 0)]
    public void Sets_are_a_power_of_two_and_ways_at_least_one(int sets, int ways)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RecentInstanceCache<string, int>(sets, ways, key => key.Length));
}
