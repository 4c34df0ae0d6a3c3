using StreamAttention.Grains.Shards;

namespace StreamAttention.Grains.Tests;

public sealed class MatchIdsTests
{
    [Fact]
    public void A_batch_gets_distinct_version_7_ids_of_its_time_as_Guid_makes_them()
    {
        var at = new DateTimeOffset(2026, 11, 30, 11, 0, 0, 123, TimeSpan.Zero);
        var reference = Guid.CreateVersion7(at).ToString("N");

        var ids = MatchIds.Create(1000, at);

        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$", id);
            // The Unix milliseconds and the version, as Guid.CreateVersion7 writes them.
            Assert.Equal(reference[..13], id[..13]);
            Assert.Equal(7, Guid.ParseExact(id, "N").Version);
        });
    }
}
