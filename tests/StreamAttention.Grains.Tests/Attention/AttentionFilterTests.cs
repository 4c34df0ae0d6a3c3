using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Users;

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

    /// <summary>
    /// An incident that keeps firing, and worsening, after its first alert: the person hears of it once now, and the next
    /// digest says how often it fired since, when last, and its last and best score; the digest after says only what
    /// came after the first.
    /// </summary>
    [Fact]
    public void A_storm_of_suppressed_variants_is_counted_against_its_first_in_the_next_digest()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with { Digest = new DigestPolicy(TimeSpan.FromMinutes(10), 10) };
        var decided = new List<UserMatch>();
        for (var i = 0; i < 50; i++)
        {
            var text = $"checkout-api p99 latency {1200 + i * 20} ms on pod checkout-7f9c8d-{(char)('a' + i % 26)}x2k{i % 10}";
            decided.Add(Decide(filter, Match($"v{i}", text, 0.80f + i / 1000f), policy, state));
            time.Advance(TimeSpan.FromSeconds(6));
        }
        Assert.Equal(DeliveryKinds.Immediate, decided[0].Delivery);
        Assert.All(decided.Skip(1), m => Assert.Equal((DeliveryKinds.SuppressedDuplicate, "v0"), (m.Delivery, m.DuplicateOf)));
        var lastAt = Start + TimeSpan.FromSeconds(6 * 49);

        time.Advance(Start + TimeSpan.FromSeconds(6) + policy.Digest.DigestEvery - time.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Null(filter.TakeDueDigest("u", policy, state));
        time.Advance(TimeSpan.FromSeconds(1));
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));

        Assert.Equal((0, 0), (digest.Total, digest.Groups.Count));
        var repeat = Assert.Single(digest.Repeats!);
        Assert.Equal(new DigestRepeat("v0", "db", 49, lastAt, decided[^1].Score, decided.Skip(1).Max(m => m.Score), decided[^1].Text), repeat);

        // Within the duplicate window the first is still the one repeated: the next digest counts the repeats since this one.
        foreach (var score in new[] { 0.95f, 0.9f })
        {
            Decide(filter, Match($"w{score}", "checkout-api p99 latency 3100 ms on pod checkout-7f9c8d-zx2k9", score), policy, state);
            time.Advance(TimeSpan.FromSeconds(6));
        }
        time.Advance(policy.Digest.DigestEvery);
        var next = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));
        Assert.Equal(("v0", 2, 0.9f, 0.95f), (next.Repeats![0].MatchId, next.Repeats[0].Count, next.Repeats[0].LastScore, next.Repeats[0].BestScore));
        Assert.Null(filter.TakeDueDigest("u", policy, state));
    }

    /// <summary>
    /// A restored snapshot rolls the state back past digests already sent, which stay on the topic under their ids: the
    /// digests formed after it get ids none of those had, so a consumer dropping a resent digest by its id loses none.
    /// </summary>
    [Fact]
    public void Digests_formed_after_the_state_was_rolled_back_to_a_snapshot_get_ids_no_digest_sent_since_had()
    {
        var (time, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)), Digest = new DigestPolicy(TimeSpan.FromHours(1), 10) };
        string NextDigestId(int round)
        {
            for (var i = 0; i < 3; i++)
            {
                Decide(filter, Match($"r{round}-{i}", DistinctText(round * 3 + i), 0.8f), policy, state);
            }
            time.Advance(TimeSpan.FromMinutes(61));
            return Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state)).Id;
        }

        NextDigestId(0);
        var snapshotSequence = state.DigestSequence;
        string[] sentSinceSnapshot = [NextDigestId(1), NextDigestId(2)];
        state.DigestSequence = snapshotSequence;
        string[] formedAfterRestore = [NextDigestId(3), NextDigestId(4)];

        Assert.Empty(formedAfterRestore.Intersect(sentSinceSnapshot));
        Assert.Equal(formedAfterRestore.Length, formedAfterRestore.Distinct().Count());
    }

    /// <summary>An original with a UUID id repeated again is named by the string its repeats are counted under, not a new one each time.</summary>
    [Fact]
    public void Repeats_of_an_original_name_it_by_the_id_string_they_are_counted_under()
    {
        var (time, filter, state) = Arrange();
        var original = new Guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0").ToString("N");
        const string text = "checkout-api p99 latency 1200 ms on pod checkout-7f9c8d-ax2k0";
        Decide(filter, Match(original, text, 0.8f), DeliveryPolicy.Default, state);
        var named = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(6));
            named.Add(Decide(filter, Match($"r{i}", text, 0.8f), DeliveryPolicy.Default, state).DuplicateOf);
        }

        Assert.All(named, id => Assert.Equal(original, id));
        var counted = Assert.Single(state.Repeats).Key;
        Assert.All(named, id => Assert.Same(counted, id));
        Assert.Equal(3, state.Repeats[counted].Count);
    }

    /// <summary>A user's repeats are kept for at most as many originals as its fingerprints; the one repeated longest ago leaves first.</summary>
    [Fact]
    public void Repeats_are_kept_for_at_most_as_many_originals_as_fingerprints()
    {
        var time = new FakeTimeProvider(Start);
        var (filter, state) = (new AttentionFilter(time, maxFingerprints: 4), new AttentionState());
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(100, TimeSpan.FromHours(1)) };
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match($"o{i}", DistinctText(i) + " on db-1", 0.8f), policy, state).Delivery);
            Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match($"r{i}", DistinctText(i) + " on db-2", 0.8f), policy, state).Delivery);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(new[] { "o2", "o3", "o4", "o5" }, state.Repeats.Keys.Order());
    }

    /// <summary>
    /// A digest counts every repeat since the previous one: the originals it lists with theirs, and in
    /// <see cref="Digest.MoreRepeats"/> those of the originals beyond them and of the originals forgotten past the bound.
    /// </summary>
    [Fact]
    public void A_digest_counts_the_repeats_it_does_not_list_and_those_of_originals_forgotten()
    {
        var time = new FakeTimeProvider(Start);
        var (filter, state) = (new AttentionFilter(time, maxFingerprints: 4), new AttentionState());
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(100, TimeSpan.FromHours(1)), Digest = new DigestPolicy(TimeSpan.FromHours(1), 2) };
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match($"o{i}", DistinctText(i) + " on db-1", 0.8f), policy, state).Delivery);
            // Original i is repeated i + 1 times.
            for (var r = 0; r <= i; r++)
            {
                Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match($"r{i}-{r}", DistinctText(i) + $" on db-{r + 2}", 0.8f), policy, state).Delivery);
            }
            time.Advance(TimeSpan.FromSeconds(10));
        }
        time.Advance(policy.Digest.DigestEvery);

        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));

        Assert.Equal(new[] { ("o5", 6), ("o4", 5) }, digest.Repeats!.Select(r => (r.MatchId, r.Count)));
        // o3 and o2 kept but not listed (4 + 3 repeats), o1 and o0 forgotten past the 4 originals kept (2 + 1).
        Assert.Equal(4 + 3 + 2 + 1, digest.MoreRepeats);
        Assert.Equal(0, state.ForgottenRepeats);
    }

    /// <summary>
    /// A log replayed after a lost silo can bring back an original forgotten after its entry was written (the entry holds
    /// its repeats, the forgetting is not logged): the next repeat of another original brings them back within their bound,
    /// and the digest counts each repeat once, those of the originals forgotten again in <see cref="Digest.MoreRepeats"/>.
    /// </summary>
    [Fact]
    public void Repeats_replayed_beyond_their_bound_are_brought_back_within_it_by_the_next_original_repeated()
    {
        var time = new FakeTimeProvider(Start);
        var (filter, state) = (new AttentionFilter(time, maxFingerprints: 2), new AttentionState());
        var policy = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(100, TimeSpan.FromHours(1)) };
        var entries = new List<AttentionEntry>();
        for (var i = 0; i < 4; i++)
        {
            filter.Decide(Match($"o{i}", DistinctText(i) + " on db-1", 0.8f), policy, state);
            Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match($"r{i}", DistinctText(i) + " on db-2", 0.8f), policy, state).Delivery);
            var written = state.Unwritten();
            entries.Add(new AttentionEntry { Fingerprints = [.. written.Fingerprints], Repeats = new(written.Repeats), NextDigestAt = written.NextDigestAt });
            state.MarkWritten();
            time.Advance(TimeSpan.FromSeconds(10));
        }
        var replayed = new AttentionState();
        entries.ForEach(replayed.Apply);
        Assert.Equal(4, replayed.Repeats.Count);

        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("o4", DistinctText(4) + " on db-1", 0.8f), policy, replayed).Delivery);
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match("r4", DistinctText(4) + " on db-2", 0.8f), policy, replayed).Delivery);

        Assert.Equal(new[] { "o3", "o4" }, replayed.Repeats.Keys.Order());
        time.Advance(policy.Digest.DigestEvery);
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, replayed));
        // r0 to r4, one each: o0, o1 and o2 forgotten again (3), o3 and o4 listed.
        Assert.Equal(2, digest.Repeats!.Sum(r => r.Count));
        Assert.Equal(3, digest.MoreRepeats);
    }

    /// <summary>Alerts in the same wording with a word of their own: an escalation, a resolution, another service or host.</summary>
    [Theory]
    [InlineData("TLS certificate for api.example.com expires in 7 days", "TLS certificate for api.example.com has expired")]
    [InlineData("postgresql database outage on orders-db", "postgresql database outage on orders-db resolved")]
    [InlineData("api error rate spikes on checkout", "api error rate spikes on login")]
    [InlineData("payments api is down in eu-west-1", "payments api is up again in eu-west-1")]
    [InlineData("postgresql database outage on pg-alpha (10.0.0.12): connections refused", "postgresql database outage on pg-bravo (10.0.0.13): connections refused")]
    public void Similar_wording_with_a_word_of_its_own_is_news_while_the_history_holds_the_first(string first, string second)
    {
        var (_, filter, state) = Arrange();
        var history = new Dictionary<MatchKey, string> { [MatchKey.Of("a")] = first };

        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("a", first, 0.8f), DeliveryPolicy.Default, state, history.GetValueOrDefault).Delivery);
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("b", second, 0.8f), DeliveryPolicy.Default, state, history.GetValueOrDefault).Delivery);
        // The same alert again, another number only: a duplicate of the first.
        Assert.Equal((DeliveryKinds.SuppressedDuplicate, "a"),
            Decided(filter.Decide(Match("c", first.Replace("7", "6").Replace("12", "14"), 0.8f), DeliveryPolicy.Default, state, history.GetValueOrDefault)));
    }

    /// <summary>
    /// A storm of one incident whose alerts name what Kubernetes and the services generate: pods (a ReplicaSet hash and a
    /// suffix, with or without digits), container ids, UUIDs, request ids. None of those is a word of its own.
    /// </summary>
    [Fact]
    public void Alerts_of_one_incident_differing_only_in_generated_ids_are_duplicates_of_the_first()
    {
        var (_, filter, state) = Arrange();
        var random = new Random(7);
        var history = new Dictionary<MatchKey, string>();
        var deliveries = new List<(string, string?)>();
        for (var i = 0; i < 20; i++)
        {
            string Of(string alphabet, int length) => Generated(random, alphabet, length);
            var (digit, upper, lower) = ("0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz");
            // Before a rollout and after it: another ReplicaSet hash.
            var text = $"CrashLoopBackOff: pod checkout-{(i < 10 ? "7f9c8d" : "5b6d4f8c9")}-{Of("bcdfghjklmnpqrstvwxz2456789", 5)} in prod, "
                + $"container {Of("0123456789abcdef", 12)} exited 137 (trace {Guid.ParseExact(Of("0123456789abcdef", 32), "N")}, "
                + $"request req_{Of(digit, 1)}{Of(upper, 1)}{Of(lower, 1)}{Of(upper, 1)}{Of(digit, 1)}{Of(lower, 2)}{Of(upper, 1)})";
            var match = Match($"m{i}", text, 0.8f);
            history[MatchKey.Of(match.MatchId)] = text;
            deliveries.Add(Decided(filter.Decide(match, DeliveryPolicy.Default, state, history.GetValueOrDefault)));
        }

        Assert.Equal((DeliveryKinds.Immediate, null), deliveries[0]);
        Assert.All(deliveries.Skip(1), d => Assert.Equal((DeliveryKinds.SuppressedDuplicate, "m0"), d));
    }

    [Fact]
    public void Without_the_first_texts_in_the_history_the_similarity_alone_decides()
    {
        var (_, filter, state) = Arrange();
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("a", "postgresql database outage on orders-db", 0.8f), DeliveryPolicy.Default, state, _ => null).Delivery);

        Assert.Equal((DeliveryKinds.SuppressedDuplicate, "a"),
            Decided(filter.Decide(Match("b", "postgresql database outage on orders-db resolved", 0.8f), DeliveryPolicy.Default, state, _ => null)));
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

        Assert.Equal(($"u/{time.GetUtcNow().ToUnixTimeMilliseconds()}", 25, DigestReasons.Schedule), (digest.Id, digest.Total, digest.Reason));
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

    /// <summary>A critical alert broke the quiet hours and kept firing: the digest of its repeats alone comes at their end, and says so.</summary>
    [Fact]
    public void A_digest_of_repeats_held_by_quiet_hours_comes_at_their_end_for_that_reason()
    {
        var (time, filter, state) = Arrange(new DateTimeOffset(2026, 6, 1, 20, 30, 0, TimeSpan.Zero)); // 22:30 in Berlin (CEST)
        var policy = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
        Assert.Equal(DeliveryKinds.Immediate, filter.Decide(Match("a", "CRITICAL: checkout service down on pod checkout-1", 0.95f), policy, state).Delivery);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, filter.Decide(Match("b", "CRITICAL: checkout service down on pod checkout-1", 0.95f), policy, state).Delivery);

        time.SetUtcNow(new DateTimeOffset(2026, 6, 2, 5, 0, 0, TimeSpan.Zero));
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));

        Assert.Equal((0, 1, DigestReasons.QuietHoursEnd), (digest.Total, digest.Repeats!.Count, digest.Reason));
    }

    [Fact]
    public void Critical_matches_break_the_quiet_only_within_the_rate_limit_so_quiet_hours_are_never_noisier_than_the_day()
    {
        var (_, filter, state) = Arrange(new DateTimeOffset(2026, 6, 1, 20, 30, 0, TimeSpan.Zero)); // 22:30 in Berlin (CEST)
        var policy = DeliveryPolicy.Default with
        {
            RateLimit = new RateLimitPolicy(2, TimeSpan.FromHours(1)),
            QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f),
        };

        var decided = Enumerable.Range(0, 12).Select(i => Decide(filter, Match($"m{i}", DistinctText(i), 0.99f), policy, state)).ToList();

        Assert.Equal([.. Enumerable.Repeat(DeliveryKinds.Immediate, 2), .. Enumerable.Repeat(DeliveryKinds.QuietHours, 10)], decided.Select(m => m.Delivery));
        Assert.Equal(new DateTimeOffset(2026, 6, 2, 5, 0, 0, TimeSpan.Zero), state.NextDigestAt);
    }

    /// <summary>
    /// Quiet hours that name their critical interests: a match of one of those at or above the critical score breaks them,
    /// a match of another waits for their digest however high it scores (the score is relevance, not urgency), and quiet
    /// hours that name none let every interest's through, as before the list.
    /// </summary>
    [Theory]
    [InlineData(new[] { "checkout-down" }, new[] { DeliveryKinds.Immediate, DeliveryKinds.QuietHours, DeliveryKinds.QuietHours, DeliveryKinds.QuietHours })]
    [InlineData(new string[0], new[] { DeliveryKinds.QuietHours, DeliveryKinds.QuietHours, DeliveryKinds.QuietHours, DeliveryKinds.QuietHours })]
    [InlineData(null, new[] { DeliveryKinds.Immediate, DeliveryKinds.QuietHours, DeliveryKinds.Immediate, DeliveryKinds.Immediate })]
    public void Only_the_interests_quiet_hours_name_as_critical_break_them(string[]? criticalInterests, string[] expected)
    {
        var (time, filter, state) = Arrange(new DateTimeOffset(2026, 6, 1, 20, 30, 0, TimeSpan.Zero)); // 22:30 in Berlin (CEST)
        var policy = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f, criticalInterests) };

        var decided = new[]
        {
            Decide(filter, Match("a", "CRITICAL: checkout service down, every request failing", 0.95f, "checkout-down"), policy, state),
            Decide(filter, Match("b", "checkout service latency above budget", 0.85f, "checkout-down"), policy, state),
            Decide(filter, Match("c", "pod evicted from node worker-3", 0.999f, "kubernetes"), policy, state),
            Decide(filter, Match("d", "TLS certificate for api.example.com expires in 21 days", 0.95f, "certificates"), policy, state),
        };

        Assert.Equal(expected, decided.Select(m => m.Delivery));
        time.SetUtcNow(new DateTimeOffset(2026, 6, 2, 5, 0, 0, TimeSpan.Zero));
        var digest = Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state));
        Assert.Equal((expected.Count(d => d == DeliveryKinds.QuietHours), DigestReasons.QuietHoursEnd), (digest.Total, digest.Reason));
    }

    [Fact]
    public void A_policy_changed_to_a_shorter_digest_interval_brings_the_waiting_digest_forward_and_a_longer_one_does_not_delay_it()
    {
        var (time, filter, state) = Arrange();
        var daily = DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(0, TimeSpan.FromHours(1)), Digest = new DigestPolicy(TimeSpan.FromDays(1), 10) };
        Assert.Equal(DeliveryKinds.Deferred, filter.Decide(Match("a", DistinctText(0), 0.8f), daily, state).Delivery);
        Assert.Equal(Start.AddDays(1), state.NextDigestAt);
        time.Advance(TimeSpan.FromMinutes(10));

        var everyMinute = daily with { Digest = new DigestPolicy(TimeSpan.FromMinutes(1), 10) };
        filter.Reschedule(everyMinute, state);
        Assert.Equal(Start.AddMinutes(11), state.NextDigestAt);
        filter.Reschedule(daily, state);
        Assert.Equal(Start.AddMinutes(11), state.NextDigestAt);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, Assert.IsType<Digest>(filter.TakeDueDigest("u", everyMinute, state)).Total);
    }

    [Fact]
    public void Quiet_hours_removed_while_matches_wait_for_their_end_send_the_digest_now()
    {
        var (time, filter, state) = Arrange(new DateTimeOffset(2026, 6, 1, 20, 30, 0, TimeSpan.Zero)); // 22:30 in Berlin (CEST)
        var quiet = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
        Assert.Equal(DeliveryKinds.QuietHours, filter.Decide(Match("a", DistinctText(0), 0.7f), quiet, state).Delivery);
        time.Advance(TimeSpan.FromMinutes(5));

        filter.Reschedule(DeliveryPolicy.Default, state);

        Assert.Equal(time.GetUtcNow(), state.NextDigestAt);
        Assert.Equal(DigestReasons.QuietHoursEnd, Assert.IsType<Digest>(filter.TakeDueDigest("u", DeliveryPolicy.Default, state)).Reason);
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

    [Fact]
    public void A_muted_term_with_digits_mutes_that_code_or_host_only()
        => Assert.Equal(
            [DeliveryKinds.Muted, DeliveryKinds.Immediate, DeliveryKinds.Muted, DeliveryKinds.Immediate, DeliveryKinds.Immediate],
            DeliveriesUnderTermMutes(["503", "DB7"],
                ["api error rate spikes: 503 responses", "api error rate spikes: 404 responses", "replication lag on db7 replica", "replication lag on db8 replica", "replication lag on db70"]));

    [Fact]
    public void A_muted_term_in_Japanese_or_another_Unicode_form_mutes_its_word()
        => Assert.Equal(
            [DeliveryKinds.Muted, DeliveryKinds.Immediate, DeliveryKinds.Muted],
            DeliveriesUnderTermMutes(["\u691C\u8A3C", "re\u0301plication"],
                ["\u691C\u8A3C\u74B0\u5883\u306E\u30C7\u30D7\u30ED\u30A4\u304C\u5931\u6557", "\u672C\u756A\u74B0\u5883\u306E\u30C7\u30D7\u30ED\u30A4\u304C\u5931\u6557", "\u00E9chec de la R\u00C9PLICATION"]));

    /// <summary>The deliveries of <paramref name="texts"/>, each a distinct relevant match, under an hour's mute of each of <paramref name="terms"/> (duplicates off).</summary>
    private static string[] DeliveriesUnderTermMutes(string[] terms, string[] texts)
    {
        var (_, filter, state) = Arrange();
        var policy = DeliveryPolicy.Default with
        {
            Duplicates = DeliveryPolicy.Default.Duplicates with { Enabled = false },
            Mutes = [.. terms.Select(term => new MuteRule(null, term, Start.AddHours(1)))],
        };
        return [.. texts.Select((text, i) => filter.Decide(Match($"m{i}", text, 0.9f), policy, state).Delivery)];
    }

    private static (string Delivery, string? DuplicateOf) Decided(MatchDecision decision) => (decision.Delivery, decision.DuplicateOf);

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

    private static string Generated(Random random, string alphabet, int length) => new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);

    private static string Word(int i) => new([(char)('a' + i % 26), (char)('a' + i / 26 % 26), 'x', (char)('a' + i * 7 % 26)]);
}
