using StreamAttention.Contracts;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

public sealed class RecentMatchesTests
{
    private static UserMatch Match(int n) => new(new DateTimeOffset(2026, 11, 30, 15, 0, n, TimeSpan.Zero), $"i{n % 3}", $"text {n}", n / 100f,
        [new Highlight($"word{n}", 0.75f), new Highlight("shared", 0.25f)], $"m{n}", DeliveryKinds.Immediate, n > 0 ? $"m{n - 1}" : null, n % 2 == 0, n / 50f);

    /// <summary>Keeps <paramref name="match"/> as decided with its own delivery, score and duplicate-of.</summary>
    private static void Keep(RecentMatches recent, UserMatch match)
        => recent.Add(MatchKey.Of(match.MatchId), match, new MatchDecision(match.Delivery!, match.Score, match.DuplicateOf));

    [Fact]
    public void Reads_every_field_and_highlight_back_as_it_was_kept()
    {
        var recent = new RecentMatches(deliveredCapacity: 3, heldBackCapacity: 3);
        var kept = Match(4) with { RawScore = null, DuplicateOf = null, Delivery = null, Highlights = [] };
        Keep(recent, Match(2));
        Keep(recent, kept);

        var found = Assert.IsType<UserMatch>(recent.Find("m2"));
        Assert.Equal(Match(2) with { Highlights = found.Highlights }, found);
        Assert.Equal(Match(2).Highlights, found.Highlights);
        Assert.Equal(kept, recent.Find("m4"));
    }

    [Fact]
    public void Lists_the_newest_first_up_to_the_limit_while_growing_and_after_wrapping()
    {
        var recent = new RecentMatches(deliveredCapacity: 5, heldBackCapacity: 5);
        for (var n = 0; n < 3; n++)
        {
            Keep(recent, Match(n));
        }
        Assert.Equal(["m2", "m1", "m0"], recent.Newest(10).Select(m => m.MatchId));

        for (var n = 3; n < 12; n++)
        {
            Keep(recent, Match(n));
        }
        Assert.Equal(5, recent.Count);
        Assert.Equal(["m11", "m10", "m9", "m8", "m7"], recent.Newest(10).Select(m => m.MatchId));
        Assert.Equal(["m11", "m10"], recent.Newest(2).Select(m => m.MatchId));
        Assert.Empty(recent.Newest(0));
    }

    [Fact]
    public void Forgets_a_match_once_it_leaves_and_finds_the_ones_kept()
    {
        var recent = new RecentMatches(deliveredCapacity: 4, heldBackCapacity: 4);
        for (var n = 0; n < 10; n++)
        {
            Keep(recent, Match(n));
        }

        Assert.All(Enumerable.Range(0, 6), n => Assert.Null(recent.Find($"m{n}")));
        Assert.All(Enumerable.Range(6, 4), n => Assert.Equal($"text {n}", recent.Find($"m{n}")?.Text));
    }

    [Fact]
    public void An_id_kept_again_is_found_as_its_newest_until_that_one_leaves()
    {
        var recent = new RecentMatches(deliveredCapacity: 3, heldBackCapacity: 3);
        Keep(recent, Match(1));
        Keep(recent, Match(1) with { Text = "again" });
        Keep(recent, Match(2));
        Keep(recent, Match(3));

        Assert.Equal("again", recent.Find("m1")?.Text);
        Keep(recent, Match(4));
        Assert.Null(recent.Find("m1"));
    }

    [Fact]
    public void A_match_kept_with_its_decision_reads_back_decided_and_its_decision_is_found_by_key()
    {
        var recent = new RecentMatches(deliveredCapacity: 2, heldBackCapacity: 2);
        var undecided = Match(5) with { Delivery = null, DuplicateOf = null };
        var id = MatchIds.Create(1, DateTimeOffset.UtcNow)[0];
        var decision = new MatchDecision(DeliveryKinds.SuppressedDuplicate, 0.01f, "m4");
        recent.Add(MatchKey.Of(id), undecided with { MatchId = id }, decision);
        recent.Add(MatchKey.Of("m6"), Match(6), new MatchDecision(DeliveryKinds.BelowThreshold, 0.02f));

        Assert.Equal(decision, recent.FindDecision(MatchKey.Of(id)));
        Assert.Equal(new MatchDecision(DeliveryKinds.BelowThreshold, 0.02f), recent.FindDecision(MatchKey.Of("m6")));
        Assert.Null(recent.FindDecision(MatchKey.Of("m5")));
        var found = Assert.IsType<UserMatch>(recent.Find(id));
        Assert.Equal(undecided with { MatchId = id, Score = 0.01f, Delivery = DeliveryKinds.SuppressedDuplicate, DuplicateOf = "m4", Highlights = found.Highlights }, found);
        Assert.Equal(id, MatchKey.Of(id).ToId());
        // A duplicate of a gateway's match (its id kept as the UUID) reads back with that id's text.
        var original = MatchIds.Create(1, DateTimeOffset.UtcNow)[0];
        recent.Add(MatchKey.Of("m7"), Match(7), decision with { DuplicateOf = original });
        Assert.Equal(decision with { DuplicateOf = original }, recent.FindDecision(MatchKey.Of("m7")));
        Assert.Equal(original, recent.Find("m7")?.DuplicateOf);
        Assert.Equal(id.ToUpperInvariant(), MatchKey.Of(id.ToUpperInvariant()).ToId());
    }

    [Fact]
    public void Keeps_nothing_without_capacity()
    {
        var recent = new RecentMatches(deliveredCapacity: 0, heldBackCapacity: 0);
        Keep(recent, Match(1));

        Assert.Null(recent.Find("m1"));
        Assert.Empty(recent.Newest(5));
    }

    [Fact]
    public void Gives_uuid_ids_and_other_ids_back_as_written_and_forgets_either_once_it_leaves()
    {
        var recent = new RecentMatches(deliveredCapacity: 3, heldBackCapacity: 3);
        var uuids = MatchIds.Create(3, DateTimeOffset.UtcNow);
        string[] ids = [uuids[0], uuids[1].ToUpperInvariant(), Guid.NewGuid().ToString("D"), uuids[2], "m9"];
        for (var n = 0; n < ids.Length; n++)
        {
            Keep(recent, Match(n) with { MatchId = ids[n] });
        }

        Assert.Equal([ids[4], ids[3], ids[2]], recent.Newest(3).Select(m => m.MatchId));
        Assert.All(ids[2..], id => Assert.Equal(id, recent.Find(id)?.MatchId));
        Assert.All(ids[..2], id => Assert.Null(recent.Find(id)));
        Assert.Null(recent.Find(uuids[2].ToUpperInvariant()));
    }

    [Fact]
    public void Held_back_matches_do_not_push_delivered_ones_out_and_both_read_back_newest_first()
    {
        var recent = new RecentMatches(deliveredCapacity: 3, heldBackCapacity: 2);
        Keep(recent, Match(1));
        Keep(recent, Match(2) with { Delivery = DeliveryKinds.Deferred });
        for (var n = 3; n < 9; n++)
        {
            Keep(recent, Match(n) with { Delivery = n % 2 == 0 ? DeliveryKinds.SuppressedDuplicate : DeliveryKinds.BelowThreshold });
        }
        Keep(recent, Match(9) with { Delivery = DeliveryKinds.QuietHours });

        Assert.Equal(5, recent.Count);
        Assert.Equal(["m9", "m8", "m7", "m2", "m1"], recent.Newest(10).Select(m => m.MatchId));
        Assert.Equal(["m9", "m8", "m7"], recent.Newest(3).Select(m => m.MatchId));
        Assert.All(Enumerable.Range(3, 4), n => Assert.Null(recent.Find($"m{n}")));
        Assert.Equal(DeliveryKinds.Immediate, recent.FindDecision(MatchKey.Of("m1"))?.Delivery);
        Assert.Equal("text 8", recent.TextOf(MatchKey.Of("m8")));

        // A fourth delivered match lets the oldest delivered one go, and no held-back one.
        Keep(recent, Match(10));
        Assert.Equal(["m10", "m9", "m8", "m7", "m2"], recent.Newest(10).Select(m => m.MatchId));
    }

    [Fact]
    public void An_id_kept_again_in_the_other_ring_is_found_as_its_newest_and_outlives_the_older_copy()
    {
        var recent = new RecentMatches(deliveredCapacity: 2, heldBackCapacity: 1);
        Keep(recent, Match(1));
        Keep(recent, Match(1) with { Delivery = DeliveryKinds.Muted, Text = "again" });
        Keep(recent, Match(2));
        Keep(recent, Match(3));

        Assert.Equal("again", recent.Find("m1")?.Text);
        Keep(recent, Match(4) with { Delivery = DeliveryKinds.Muted });
        Assert.Null(recent.Find("m1"));
    }

    [Fact]
    public void Keeps_no_held_back_match_without_its_capacity()
    {
        var recent = new RecentMatches(deliveredCapacity: 2, heldBackCapacity: 0);
        Keep(recent, Match(1) with { Delivery = DeliveryKinds.BelowThreshold });
        Keep(recent, Match(2));

        Assert.Null(recent.Find("m1"));
        Assert.Equal(["m2"], recent.Newest(5).Select(m => m.MatchId));
    }
}
