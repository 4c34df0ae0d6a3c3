using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>The delivery policy as a pure function of the injected clock: the issue's "done when" scenarios without a cluster.</summary>
public sealed class AttentionFilterTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] DistinctIncidents =
    [
        "payment service latency above budget in checkout",
        "certificate for api gateway expires tomorrow",
        "kafka consumer lag growing on orders topic",
        "nightly backup job failed with permission denied",
        "memory leak suspected in recommendation worker",
    ];

    [Fact]
    public void A_burst_of_variants_of_one_incident_notifies_once_and_loses_no_distinct_message()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(100, TimeSpan.FromHours(1)) };
        var decided = new List<UserMatch>();
        for (var i = 0; i < 50; i++)
        {
            // Variants differ in the host, the numbers and now and then a word, as alerts of one incident do.
            var text = $"ALERT disk usage {80 + i % 20}% on db-{i % 7} in eu-west-{i % 3} at 10:{i:00}{(i % 5 == 0 ? " again" : "")}";
            decided.Add(Decide(filter, Match($"v{i}", text, 0.8f), policy, state));
            if (i % 10 == 0)
            {
                decided.Add(Decide(filter, Match($"d{i / 10}", DistinctIncidents[i / 10], 0.8f), policy, state));
            }
            time.Advance(TimeSpan.FromSeconds(5));
        }

        var variants = decided.Where(m => m.MatchId.StartsWith('v')).ToArray();
        var first = Assert.Single(variants, m => m.Delivery == DeliveryKinds.Immediate);
        Assert.Equal("v0", first.MatchId);
        Assert.All(variants.Where(m => m != first), m => Assert.Equal((DeliveryKinds.SuppressedDuplicate, "v0"), (m.Delivery, m.DuplicateOf)));
        Assert.All(decided.Where(m => m.MatchId.StartsWith('d')), m => Assert.Equal(DeliveryKinds.Immediate, m.Delivery));
        Assert.Equal(DistinctIncidents.Length, decided.Count(m => m.MatchId.StartsWith('d')));
    }

    [Fact]
    public void A_variant_after_the_duplicate_window_is_delivered_again()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default;
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("a", "disk full on db-1", 0.8f), policy, state).Delivery);
        time.Advance(policy.Duplicates.DuplicateWindow - TimeSpan.FromSeconds(1));
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match("b", "disk full on db-2", 0.8f), policy, state).Delivery);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("c", "disk full on db-3", 0.8f), policy, state).Delivery);
    }

    /// <summary>Texts without words have equal sketches (every position unset), but nothing to compare: none is a duplicate.</summary>
    [Fact]
    public void Texts_without_words_are_not_duplicates_of_each_other()
    {
        var (_, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default;

        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("a", "!!!", 0.8f), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("b", "--- ???", 0.8f), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("c", "disk full on db-1", 0.8f), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match("d", "disk full on db-2", 0.8f), policy, state).Delivery);
    }

    [Fact]
    public void Thirty_distinct_matches_over_a_limit_of_five_an_hour_give_five_notifications_and_one_digest_of_the_rest()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(5, TimeSpan.FromHours(1)), Digest = new DigestPolicy(TimeSpan.FromHours(1), 10) };
        var decided = new List<UserMatch>();
        for (var i = 0; i < 30; i++)
        {
            decided.Add(Decide(filter, Match($"m{i}", DistinctText(i), 0.5f + i / 100f, interest: i % 3 == 0 ? "db" : "net"), policy, state));
            time.Advance(TimeSpan.FromSeconds(20));
        }
        Assert.Equal(5, decided.Count(m => m.Delivery == DeliveryKinds.Immediate));
        Assert.Equal(25, decided.Count(m => m.Delivery == DeliveryKinds.Deferred));

        Assert.Null(filter.TakeDueDigest("u", policy, state));
        time.Advance(TimeSpan.FromHours(1));
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));
        Assert.Null(filter.TakeDueDigest("u", policy, state));

        Assert.Equal(("u/1", 25, DigestReasons.Schedule), (digest.Id, digest.Total, digest.Reason));
        var listed = digest.Groups.SelectMany(g => g.Top).ToArray();
        Assert.Equal(10, listed.Length);
        Assert.Equal(15, digest.Groups.Sum(g => g.More));
        var deferred = decided.Where(m => m.Delivery == DeliveryKinds.Deferred).ToArray();
        Assert.Equal(deferred.OrderByDescending(m => m.Score).Take(10).Select(m => m.MatchId).Order(), listed.Select(m => m.MatchId).Order());
        Assert.All(digest.Groups, g => Assert.All(g.Top, m => Assert.Equal(g.InterestId, m.InterestId)));
        Assert.Equal(deferred.GroupBy(m => m.InterestId).ToDictionary(g => g.Key, g => g.Count()), digest.Groups.ToDictionary(g => g.InterestId, g => g.Top.Count + g.More));
    }

    [Fact]
    public void The_rate_limit_window_slides()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(2, TimeSpan.FromMinutes(10)) };
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("a", DistinctText(0), 0.8f), policy, state).Delivery);
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("b", DistinctText(1), 0.8f), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.Deferred, filter.Decide(Match("c", DistinctText(2), 0.8f), policy, state).Delivery);
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("d", DistinctText(3), 0.8f), policy, state).Delivery);
    }

    [Fact]
    public void During_quiet_hours_only_critical_matches_go_out_and_the_rest_arrive_in_one_digest_at_their_end()
    {
        var (time, filter, state) = Arrange(new DateTimeOffset(2026, 6, 1, 20, 30, 0, TimeSpan.Zero)); // 22:30 in Berlin (CEST)
        var policy = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
        var decided = new List<UserMatch>();
        for (var i = 0; i < 12; i++)
        {
            decided.Add(Decide(filter, Match($"m{i}", DistinctText(i), i % 4 == 0 ? 0.95f : 0.7f), policy, state));
            time.Advance(TimeSpan.FromMinutes(30));
        }
        Assert.All(decided, m => Assert.Equal(m.Score >= 0.9f ? DeliveryKinds.Immediate : DeliveryKinds.QuietHours, m.Delivery));

        // 04:30 UTC is 06:30 in Berlin: still quiet, although the hourly digest was due long ago.
        time.SetUtcNow(new DateTimeOffset(2026, 6, 2, 4, 59, 0, TimeSpan.Zero));
        Assert.Null(filter.TakeDueDigest("u", policy, state));
        time.SetUtcNow(new DateTimeOffset(2026, 6, 2, 5, 0, 0, TimeSpan.Zero));
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));
        Assert.Equal((9, DigestReasons.QuietHoursEnd), (digest.Total, digest.Reason));
    }

    [Fact]
    public void Quiet_hours_end_at_local_time_across_the_spring_daylight_saving_change()
    {
        // Berlin moves from +01:00 to +02:00 at 02:00 on 29 March 2026: quiet hours that end at 07:00 end at 05:00 UTC, not 06:00.
        var (time, filter, state) = Arrange(new DateTimeOffset(2026, 3, 28, 22, 0, 0, TimeSpan.Zero)); // 23:00 CET
        var policy = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
        Assert.Equal(DeliveryKinds.QuietHours, filter.Decide(Match("a", DistinctText(0), 0.7f), policy, state).Delivery);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 5, 0, 0, TimeSpan.Zero), state.NextDigestAt);

        time.SetUtcNow(new DateTimeOffset(2026, 3, 29, 4, 59, 0, TimeSpan.Zero));
        Assert.Null(filter.TakeDueDigest("u", policy, state));
        Assert.Equal(DeliveryKinds.QuietHours, filter.Decide(Match("b", DistinctText(1), 0.7f), policy, state).Delivery);
        time.SetUtcNow(new DateTimeOffset(2026, 3, 29, 5, 0, 0, TimeSpan.Zero));
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("c", DistinctText(2), 0.7f), policy, state).Delivery);
        Assert.Equal(2, Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state)).Total);
    }

    [Fact]
    public void Quiet_hours_end_at_local_time_across_the_autumn_daylight_saving_change()
    {
        // New York falls back from -04:00 to -05:00 at 02:00 on 1 November 2026: 07:00 local is 12:00 UTC.
        var (time, filter, state) = Arrange(new DateTimeOffset(2026, 11, 1, 3, 0, 0, TimeSpan.Zero)); // 23:00 EDT
        var policy = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("America/New_York", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
        Assert.Equal(DeliveryKinds.QuietHours, filter.Decide(Match("a", DistinctText(0), 0.7f), policy, state).Delivery);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), state.NextDigestAt);
        time.SetUtcNow(new DateTimeOffset(2026, 11, 1, 11, 30, 0, TimeSpan.Zero));
        Assert.Null(filter.TakeDueDigest("u", policy, state));
    }

    [Fact]
    public void Muted_interests_and_terms_are_muted_until_the_mute_ends()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with
        {
            Mutes = [new MuteRule("sports", null, Start.AddHours(1)), new MuteRule(null, "Staging", Start.AddHours(2))],
        };
        Assert.Equal(DeliveryKinds.Muted, filter.Decide(Match("a", DistinctText(0), 0.9f, interest: "sports"), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.Muted, filter.Decide(Match("b", "deploy to staging failed", 0.9f), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("c", "deploy to production failed", 0.9f), policy, state).Delivery);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("d", DistinctText(1), 0.9f, interest: "sports"), policy, state).Delivery);
        Assert.Equal(DeliveryKinds.Muted, filter.Decide(Match("e", "staging cluster is down", 0.9f), policy, state).Delivery);
    }

    private static (FakeTimeProvider, AttentionFilter, AttentionState) Arrange(DateTimeOffset? start = null)
    {
        var time = new FakeTimeProvider(start ?? Start);
        return (time, new AttentionFilter(time), new AttentionState());
    }

    private static UserMatch Match(string id, string text, float score, string interest = "db")
        => new(default, interest, text, score, [], id);

    /// <summary>The match as the user's history keeps it with the filter's decision.</summary>
    private static UserMatch Decide(AttentionFilter filter, UserMatch match, DeliveryPolicy policy, AttentionState state)
    {
        var decision = filter.Decide(match, policy, state);
        return match with { Score = decision.Score, Delivery = decision.Delivery, DuplicateOf = decision.DuplicateOf };
    }

    /// <summary>Texts that share only their frame, so no two are near-duplicates.</summary>
    private static string DistinctText(int i) => $"{Word(i * 3)} {Word(i * 3 + 1)} problem reported by {Word(i * 3 + 2)}";

    private static string Word(int i) => new([(char)('a' + i % 26), (char)('a' + i / 26 % 26), 'x', (char)('a' + i * 7 % 26)]);
}
