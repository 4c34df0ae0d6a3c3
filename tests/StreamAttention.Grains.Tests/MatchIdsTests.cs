using StreamAttention.Contracts.Scoring;
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

    [Fact]
    public void Matches_of_texts_with_source_ids_get_version_8_ids_that_each_part_changes_and_that_repeat_for_the_same_parts()
    {
        string[] sources = ["input/0/7", "input/0/8"];
        (int, TextMatch)[] matches =
        [
            (0, Match("alice", "db")), (0, Match("alice", "kafka")), (0, Match("bob", "db")), (1, Match("alice", "db")),
            // The parts are length-prefixed: moving a character from the user to the interest is another match.
            (0, Match("alic", "edb")),
        ];

        string[] texts = ["disk full on db-7", "kafka broker down"];
        var ids = MatchIds.OfSources(sources, texts, matches);

        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{12}8[0-9a-f]{3}[89ab][0-9a-f]{15}$", id);
            Assert.Equal(8, Guid.ParseExact(id, "N").Version);
        });
        // The same source, text, user and interest again, in another batch at another place: the same id.
        Assert.Equal(ids[3], MatchIds.OfSources(["other/0/1", "input/0/8"], ["other", "kafka broker down"], [(1, Match("alice", "db"))]).Single());
        // Another text under the same source id (a producer that copied the origin header): another match.
        Assert.NotEqual(ids[3], MatchIds.OfSources(["input/0/8"], ["kafka broker down again"], [(0, Match("alice", "db"))]).Single());
    }

    private static TextMatch Match(string userId, string interestId) => new(0, userId, interestId, 0.8f, []);
}
