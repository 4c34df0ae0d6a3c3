using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// The notification times and fingerprints are kept in time order, so the filter forgets the expired ones by looking at
/// the oldest only: the same as removing every expired one, and the same decisions as the scans over all of them.
/// </summary>
public sealed class AttentionStateTests
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Times_added_after_the_clock_went_back_are_kept_in_order_and_forgotten_like_every_expired_one()
    {
        var state = new AttentionState();
        int[] minutes = [0, 5, 3, 10, 10, 1, 20];
        foreach (var minute in minutes)
        {
            state.AddImmediate(Start.AddMinutes(minute));
            state.AddFingerprint(new Fingerprint($"m{minute}", Start.AddMinutes(minute), MinHashSignature.SketchOf($"text {minute}")));
        }

        Assert.Equal(minutes.Order().Select(m => Start.AddMinutes(m)), state.ImmediateTimes);
        Assert.Equal(["m0", "m1", "m3", "m5", "m10", "m10", "m20"], state.Fingerprints.Select(f => f.MatchId));
        Assert.Equal(minutes.Select(m => Start.AddMinutes(m)), state.Unwritten().ImmediateTimes);

        state.ForgetImmediateUntil(Start.AddMinutes(5));
        state.ForgetFingerprintsUntil(Start.AddMinutes(3));

        Assert.Equal(minutes.Where(m => m > 5).Order().Select(m => Start.AddMinutes(m)), state.ImmediateTimes);
        Assert.Equal(["m5", "m10", "m10", "m20"], state.Fingerprints.Select(f => f.MatchId));
    }

    /// <summary>
    /// The entry not yet written takes its fingerprints from the window: every fingerprint added since the last write
    /// and still kept is in it, in the window's order, also after the clock went back (which may bring some written
    /// already), and exactly those while the clock only goes forward.
    /// </summary>
    [Fact]
    public void The_entry_not_yet_written_holds_every_fingerprint_added_since_the_last_write_and_still_kept()
    {
        var state = new AttentionState();
        var random = new Random(11);
        var added = new HashSet<string>();
        for (var i = 0; i < 600; i++)
        {
            var back = i >= 300 && random.Next(5) == 0;
            state.AddFingerprint(Print($"m{i}", back ? i - random.Next(1, 40) : i));
            added.Add($"m{i}");
            if (random.Next(4) == 0)
            {
                state.KeepNewestFingerprints(random.Next(10, 60));
            }
            var kept = state.Fingerprints.Select(f => f.MatchId).ToArray();
            var unwritten = state.Unwritten().Fingerprints.Select(f => f.MatchId).ToArray();

            Assert.Subset(unwritten.ToHashSet(), added.Intersect(kept).ToHashSet());
            Assert.Equal(kept[^unwritten.Length..], unwritten);
            if (i < 300)
            {
                Assert.Equal(kept.Where(added.Contains), unwritten);
            }
            if (random.Next(6) == 0)
            {
                state.MarkWritten();
                added.Clear();
                Assert.Empty(state.Unwritten().Fingerprints);
            }
        }
    }

    /// <summary>
    /// <see cref="AttentionState.MarkWritten"/> empties the entry for reuse: every field back to a new entry's, compared
    /// through its JSON so that a field added later and not emptied fails here.
    /// </summary>
    [Fact]
    public void A_written_entry_is_emptied_of_every_field_for_the_next_decisions()
    {
        var state = new AttentionState();
        var entry = state.Unwritten();
        entry.ImmediateTimes.Add(Start);
        entry.Fingerprints.Add(new Fingerprint("m1", Start, MinHashSignature.SketchOf("disk full on db-2")));
        entry.Pending.Add(new UserMatch(Start, "db", "disk full on db-2", 0.8f, [], "m1", DeliveryKinds.Deferred));
        entry.NextDigestAt = Start.AddHours(1);
        entry.Unlisted["db"] = 2;
        entry.UnlistedQuietHours = true;
        entry.Evicted.Add("m0");

        state.MarkWritten();
        state.AddImmediate(Start.AddMinutes(1));

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(new AttentionEntry { ImmediateTimes = [Start.AddMinutes(1)] }),
            System.Text.Json.JsonSerializer.Serialize(state.Unwritten()));
    }

    [Fact]
    public void A_state_read_out_of_order_is_put_in_time_order_keeping_the_order_of_equal_times()
    {
        var state = new AttentionState
        {
            ImmediateTimes = [Start.AddMinutes(2), Start, Start.AddMinutes(1)],
            Fingerprints = [Print("b", 2), Print("a1", 1), Print("c", 3), Print("a2", 1)],
        };
        var entry = new AttentionEntry { ImmediateTimes = [Start.AddMinutes(-1)], Fingerprints = [Print("z", 0)] };

        state.OrderByTime();
        state.Apply(entry);

        Assert.Equal([Start.AddMinutes(-1), Start, Start.AddMinutes(1), Start.AddMinutes(2)], state.ImmediateTimes);
        Assert.Equal(["z", "a1", "a2", "b", "c"], state.Fingerprints.Select(f => f.MatchId));
    }

    [Theory]
    [InlineData(20, 0.6)]
    [InlineData(180, 0.6)]
    [InlineData(180, 0.45)]
    public void Decisions_are_those_of_the_scans_over_every_notification_and_fingerprint(int windowMinutes, double similarity)
    {
        var time = new FakeTimeProvider(Start);
        var filter = new AttentionFilter(time);
        var state = new AttentionState();
        var reference = new LinearScans();
        var policy = DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(true, TimeSpan.FromMinutes(windowMinutes), similarity),
            RateLimit = new RateLimitPolicy(5, TimeSpan.FromMinutes(10)),
        };
        var random = new Random(7);
        var kinds = new HashSet<string>();
        for (var i = 0; i < 2_000; i++)
        {
            // Variants of a few dozen alerts, so some are near-duplicates of several earlier ones and some of none.
            var text = $"ALERT {Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} on db-{random.Next(4)} {Words[random.Next(Words.Length)]}";
            var match = new UserMatch(time.GetUtcNow(), "i", text, 0.8f, [], $"m{i}");

            var decided = filter.Decide(match, policy, state);

            Assert.Equal(reference.Decide(match, policy, time.GetUtcNow()), (decided.Delivery, decided.DuplicateOf));
            kinds.Add(decided.Delivery!);
            time.Advance(TimeSpan.FromSeconds(random.Next(0, 40)));
        }
        Assert.Equal([DeliveryKinds.Deferred, DeliveryKinds.Immediate, DeliveryKinds.SuppressedDuplicate], kinds.Order());
    }

    /// <summary>Through every change the state's fingerprints are those a list kept in time order holds (the later of equal times last).</summary>
    [Fact]
    public void The_fingerprints_stay_in_time_order_through_every_change()
    {
        var state = new AttentionState();
        var expected = new List<Fingerprint>();
        void Add(Fingerprint fingerprint) => expected.Insert(expected.FindLastIndex(f => f.At <= fingerprint.At) + 1, fingerprint);
        void Forget(DateTimeOffset cutoff)
        {
            state.ForgetFingerprintsUntil(cutoff);
            expected.RemoveAll(f => f.At <= cutoff);
        }
        for (var i = 0; i < 100; i++)
        {
            // Ten at a time, the clock going back now and then; the oldest forgotten as the window moves.
            var fingerprint = Print($"a{i}", i % 10 == 9 ? i - 5 : i);
            state.AddFingerprint(fingerprint);
            Add(fingerprint);
            if (i % 10 == 0)
            {
                Assert.Equal(expected, state.Fingerprints);
                Forget(Start.AddMinutes(i - 30));
            }
        }
        Assert.Equal(expected, state.Fingerprints);

        Fingerprint[] late = [Print("late", 50), Print("last", 200)];
        state.Apply(new AttentionEntry { Fingerprints = [.. late] });
        Array.ForEach(late, Add);
        Assert.Equal(expected, state.Fingerprints);
        state.Fingerprints = [Print("b", 2), Print("a", 1)];
        state.OrderByTime();
        expected = [Print("a", 1), Print("b", 2)];
        Assert.Equal(expected, state.Fingerprints);
        Forget(Start.AddMinutes(1));
        Assert.Equal([Print("b", 2)], state.Fingerprints);
    }

    /// <summary>The window finds the oldest fingerprint whose similarity reaches the threshold, as a scan of every one does.</summary>
    [Fact]
    public void The_window_finds_the_oldest_fingerprint_that_reaches_the_similarity()
    {
        var texts = Enumerable.Range(0, 60).Select(i => $"ALERT {Words[i % Words.Length]} {Words[i * 7 % Words.Length]} on db-{i % 4} {Words[i * 3 % Words.Length]}").ToArray();
        var window = new FingerprintWindow();
        foreach (var text in texts)
        {
            window.Add(MatchKey.Of(text), Start, MinHashSignature.SketchOf(text));
        }
        var found = 0;

        foreach (var text in texts)
        {
            var sketch = MinHashSignature.SketchOf(text);
            foreach (var similarity in new[] { 0.1, 0.3, 0.6, 0.9, 1.0 })
            {
                var oldest = Array.FindIndex(texts, t => MinHashSignature.Similarity(MinHashSignature.SketchOf(t), sketch) >= similarity);
                Assert.Equal(oldest, window.FirstAgreeing(sketch, MinHashSignature.AgreementsFor(similarity)));
                found += oldest < Array.IndexOf(texts, text) ? 1 : 0;
            }
        }
        Assert.True(found > 0, "Some texts have an older near-duplicate.");
    }

    /// <summary>
    /// The window's rings: windows sliding past the arrays' end, growing while wrapped, fingerprints put in the middle
    /// (the clock went back) while wrapped, emptied and filled again, keep every fingerprint's time, id and sketch at its
    /// position (each sketch found at the oldest position that holds the same bytes).
    /// </summary>
    [Fact]
    public void The_window_keeps_its_order_through_wrapping_growing_inserting_and_emptying()
    {
        var window = new FingerprintWindow();
        var kept = new List<Fingerprint>();
        var random = new Random(5);
        var next = 0;
        for (var step = 0; step < 400; step++)
        {
            // Mostly a sliding window (add one, drop the oldest past 40), with ever larger bursts that grow the rings while
            // they are wrapped, one put in the middle now and then, and drops to empty.
            var adding = step % 50 == 25 ? 70 + step : 1;
            for (var a = 0; a < adding; a++)
            {
                var fingerprint = new Fingerprint($"m{next}", Start.AddSeconds(next), MinHashSignature.SketchOf($"sketch {next++} {Words[random.Next(Words.Length)]}"));
                var at = step % 7 == 3 && a == 0 ? random.Next(kept.Count + 1) : kept.Count;
                if (at == kept.Count)
                {
                    window.Add(MatchKey.Of(fingerprint.MatchId), fingerprint.At, fingerprint.Sketch);
                }
                else
                {
                    window.Insert(at, MatchKey.Of(fingerprint.MatchId), fingerprint.At, fingerprint.Sketch);
                }
                kept.Insert(at, fingerprint);
            }
            var dropping = step % 97 == 96 ? kept.Count : Math.Max(0, kept.Count - 40);
            window.RemoveFirst(dropping);
            kept.RemoveRange(0, dropping);

            Assert.Equal(kept, window);
            for (var i = 0; i < kept.Count; i++)
            {
                Assert.Equal((kept[i].At, kept[i].MatchId), (window.At(i), window.Key(i).ToId()));
                Assert.Equal(kept[i].Sketch, window.Sketch(i).ToArray());
                Assert.Equal(kept.FindIndex(k => k.Sketch.SequenceEqual(kept[i].Sketch)), window.FirstAgreeing(kept[i].Sketch, MinHashSignature.Length));
            }
        }
    }

    private static readonly string[] Words = ["disk", "full", "latency", "high", "backup", "failed", "queue", "lag", "certificate", "expiring"];

    private static Fingerprint Print(string id, int minute) => new(id, Start.AddMinutes(minute), MinHashSignature.SketchOf(id));

    /// <summary>The duplicate and rate-limit rules as removals and scans over every notification and fingerprint kept.</summary>
    private sealed class LinearScans
    {
        private readonly List<DateTimeOffset> _immediate = [];
        private readonly List<Fingerprint> _fingerprints = [];

        public (string Delivery, string? DuplicateOf) Decide(UserMatch match, DeliveryPolicy policy, DateTimeOffset now)
        {
            _immediate.RemoveAll(t => t <= now - policy.RateLimit.Window);
            _fingerprints.RemoveAll(f => f.At <= now - policy.Duplicates.DuplicateWindow);
            var sketch = MinHashSignature.SketchOf(match.Text);
            if (!MinHashSignature.IsEmpty(sketch) && _fingerprints.FirstOrDefault(f => MinHashSignature.Similarity(f.Sketch, sketch) >= policy.Duplicates.Similarity) is { } original)
            {
                return (DeliveryKinds.SuppressedDuplicate, original.MatchId);
            }
            _fingerprints.Add(new Fingerprint(match.MatchId, now, sketch));
            if (_immediate.Count >= policy.RateLimit.MaxImmediate)
            {
                return (DeliveryKinds.Deferred, null);
            }
            _immediate.Add(now);
            return (DeliveryKinds.Immediate, null);
        }
    }
}
