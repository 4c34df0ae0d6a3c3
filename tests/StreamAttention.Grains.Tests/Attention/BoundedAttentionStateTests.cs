using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// A user matched all day keeps a bounded state: of the matches waiting for a digest only those it lists are kept (the
/// rest counted), and only the newest fingerprints. The digests are those formed from every waiting match.
/// </summary>
public sealed class BoundedAttentionStateTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] Interests = ["db", "net", "auth", "disk", "queue", "cache", "dns"];

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(10, 3)]
    [InlineData(100, 4)]
    public void A_digest_of_thousands_of_waiting_matches_is_the_one_formed_from_all_of_them_and_only_the_listed_are_kept(int digestSize, int seed)
    {
        var time = new FakeTimeProvider(Start);
        var filter = new AttentionFilter(time);
        var state = new AttentionState();
        // Quiet from 09:10 to 09:15 UTC, and one immediate notification an hour: every match is deferred after the first.
        var policy = DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(false, TimeSpan.FromHours(1), 0.6),
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)),
            Digest = new DigestPolicy(TimeSpan.FromHours(1), digestSize),
            QuietHours = new QuietHoursPolicy("UTC", new TimeOnly(9, 10), new TimeOnly(9, 15), 1.1f),
        };
        var random = new Random(seed);
        var deferred = new List<UserMatch>();
        for (var i = 0; i < 3_000; i++)
        {
            // Few distinct scores and instants, so ties in score and in time are common.
            var match = new UserMatch(time.GetUtcNow(), Interests[random.Next(Interests.Length)], $"text {i}", 0.7f + random.Next(8) / 100f, [], $"m{i}");
            var decided = filter.Decide(match, policy, state);
            if (decided.Delivery is DeliveryKinds.Deferred or DeliveryKinds.QuietHours)
            {
                deferred.Add(match with { Delivery = decided.Delivery });
            }
            Assert.InRange(state.Pending.Count, 0, digestSize);
            time.Advance(TimeSpan.FromMilliseconds(random.Next(2) * 500));
        }
        Assert.Contains(deferred, m => m.Delivery == DeliveryKinds.QuietHours);

        time.Advance(TimeSpan.FromHours(2));
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));

        var expected = DigestOfAll(deferred, digestSize);
        Assert.Equal((expected.Total, expected.Reason), (digest.Total, digest.Reason));
        Assert.Equal(expected.Groups, digest.Groups.Select(g => (g.InterestId, string.Join(' ', g.Top.Select(m => m.MatchId)), g.More)));
        Assert.False(state.HasPending);
        Assert.Empty(state.Unlisted);
    }

    [Fact]
    public void A_digest_says_quiet_hours_when_only_an_unlisted_match_was_deferred_by_them()
    {
        var state = new AttentionState();
        state.AddPending(Match("best", 0.9f, DeliveryKinds.Deferred), Start, listed: 1);
        state.AddPending(Match("quiet", 0.5f, DeliveryKinds.QuietHours), Start, listed: 1);
        var filter = new AttentionFilter(new FakeTimeProvider(Start));

        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", DeliveryPolicy.Default with { Digest = new DigestPolicy(TimeSpan.FromHours(1), 1) }, state));

        Assert.Equal((2, DigestReasons.QuietHoursEnd), (digest.Total, digest.Reason));
        Assert.Equal(["best"], digest.Groups.SelectMany(g => g.Top).Select(m => m.MatchId));
    }

    [Fact]
    public void The_log_entries_read_back_in_order_give_the_same_waiting_matches_as_the_decisions_left()
    {
        var live = new AttentionState();
        var entries = new List<AttentionEntry>();
        var random = new Random(11);
        var deferred = 0;
        for (var call = 0; call < 200; call++)
        {
            // One decision call defers a few matches (some pushing earlier ones out), then persists what it added.
            for (var i = random.Next(1, 4); i > 0; i--, deferred++)
            {
                live.AddPending(Match($"c{call}-{i}", 0.7f + random.Next(20) / 100f, random.Next(5) == 0 ? DeliveryKinds.QuietHours : DeliveryKinds.Deferred,
                    Interests[random.Next(Interests.Length)]), Start.AddHours(1), listed: 5);
            }
            // As the log's storage does: MarkWritten empties the entry for the next call.
            entries.Add(Copy(live.Unwritten()));
            live.MarkWritten();
        }

        var read = new AttentionState();
        foreach (var entry in entries)
        {
            read.Apply(entry);
        }

        Assert.Equal(live.Pending.Select(m => m.MatchId), read.Pending.Select(m => m.MatchId));
        Assert.Equal(live.Unlisted.OrderBy(p => p.Key), read.Unlisted.OrderBy(p => p.Key));
        Assert.Equal(live.UnlistedQuietHours, read.UnlistedQuietHours);
        Assert.Equal(deferred, read.Pending.Count + read.Unlisted.Values.Sum());
        Assert.Contains(entries, e => e.Evicted.Count > 0);
    }

    [Fact]
    public void A_log_entry_read_back_into_a_full_digest_leaves_its_worst_match_found_again()
    {
        var state = new AttentionState();
        state.AddPending(Match("a", 0.9f, DeliveryKinds.Deferred), Start, listed: 2);
        state.AddPending(Match("b", 0.5f, DeliveryKinds.Deferred), Start, listed: 2);
        // Counted only: the digest is full and "b" is its worst.
        state.AddPending(Match("c", 0.4f, DeliveryKinds.Deferred), Start, listed: 2);
        // An entry that lists a better match and evicts "b": as many waiting as before, and now "a" is the worst.
        state.Apply(new AttentionEntry { Pending = [Match("d", 0.95f, DeliveryKinds.Deferred)], Evicted = ["b"] });

        state.AddPending(Match("e", 0.92f, DeliveryKinds.Deferred), Start, listed: 2);

        Assert.Equal(["d", "e"], state.Pending.Select(m => m.MatchId));
        Assert.Equal(2, state.Unlisted.Values.Sum());
    }

    [Fact]
    public void Only_the_newest_fingerprints_are_kept_and_a_variant_of_a_recent_match_is_still_a_duplicate()
    {
        var time = new FakeTimeProvider(Start);
        var filter = new AttentionFilter(time, maxFingerprints: 50);
        var state = new AttentionState();
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(10_000, TimeSpan.FromHours(1)) };
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match($"m{i}", Incident(i)), policy, state).Delivery);
            Assert.InRange(state.Fingerprints.Count, 1, 50);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(Enumerable.Range(450, 50).Select(i => $"m{i}"), state.Fingerprints.Select(f => f.MatchId));
        var recent = filter.Decide(Match("again-recent", Incident(499) + " again"), policy, state);
        Assert.Equal((DeliveryKinds.SuppressedDuplicate, "m499"), (recent.Delivery, recent.DuplicateOf));
        // The cap is the trade: a variant of a match older than the newest 50 goes out again.
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("again-old", Incident(10) + " again"), policy, state).Delivery);
    }

    /// <summary>
    /// Decisions that only count their match write nothing, so what they add waits in the entry not yet written; the
    /// fingerprints the cap drops from the state leave that entry too, so it stays as bounded.
    /// </summary>
    [Fact]
    public void The_entry_not_yet_written_keeps_no_fingerprint_past_the_cap()
    {
        var time = new FakeTimeProvider(Start);
        var filter = new AttentionFilter(time, maxFingerprints: 5);
        var state = new AttentionState();
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(10_000, TimeSpan.FromHours(1)) };
        for (var i = 0; i < 40; i++)
        {
            filter.Decide(Match($"m{i}", Incident(i)), policy, state);
            Assert.Equal(state.Fingerprints.Select(f => f.MatchId), state.Unwritten().Fingerprints.Select(f => f.MatchId));
            time.Advance(TimeSpan.FromSeconds(1));
        }
        state.MarkWritten();
        filter.Decide(Match("m40", Incident(40)), policy, state);
        filter.Decide(Match("m41", Incident(41)), policy, state);

        Assert.Equal(Enumerable.Range(37, 5).Select(i => $"m{i}"), state.Fingerprints.Select(f => f.MatchId));
        Assert.Equal(["m40", "m41"], state.Unwritten().Fingerprints.Select(f => f.MatchId));
    }

    /// <summary>The digest as formed from every waiting match (the filter's rule before only the listed were kept).</summary>
    private static (int Total, string Reason, (string, string, int)[] Groups) DigestOfAll(List<UserMatch> pending, int size)
    {
        var listed = pending.OrderByDescending(m => m.Score).ThenBy(m => m.At).Take(size).Select(m => m.MatchId).ToHashSet();
        var groups = pending.GroupBy(m => m.InterestId)
            .Select(g => (Interest: g.Key, Top: g.Where(m => listed.Contains(m.MatchId)).OrderByDescending(m => m.Score).ToArray(), More: g.Count(m => !listed.Contains(m.MatchId))))
            .OrderByDescending(g => g.Top.Length == 0 ? float.MinValue : g.Top[0].Score).ThenBy(g => g.Interest, StringComparer.Ordinal)
            .Select(g => (g.Interest, string.Join(' ', g.Top.Select(m => m.MatchId)), g.More))
            .ToArray();
        var reason = pending.Any(m => m.Delivery == DeliveryKinds.QuietHours) ? DigestReasons.QuietHoursEnd : DigestReasons.Schedule;
        return (pending.Count, reason, groups);
    }

    private static UserMatch Match(string id, float score, string delivery, string interest = "db")
        => new(Start, interest, $"text of {id}", score, [], id, delivery);

    private static AttentionEntry Copy(AttentionEntry entry) => new()
    {
        ImmediateTimes = [.. entry.ImmediateTimes],
        Fingerprints = [.. entry.Fingerprints],
        Pending = [.. entry.Pending],
        NextDigestAt = entry.NextDigestAt,
        Unlisted = new(entry.Unlisted),
        UnlistedQuietHours = entry.UnlistedQuietHours,
        Evicted = [.. entry.Evicted],
    };

    private static UserMatch Match(string id, string text) => new(Start, "db", text, 0.8f, [], id);

    /// <summary>Alerts that share only their frame, so no two are near-duplicates.</summary>
    private static string Incident(int i) => $"incident {i} {Word(i * 5)} {Word(i * 5 + 1)} {Word(i * 5 + 2)} on {Word(i * 5 + 3)} {Word(i * 5 + 4)}";

    private static string Word(int i) => new([(char)('a' + i % 26), (char)('a' + i / 26 % 26), (char)('a' + i / 676 % 26), 'q']);
}
