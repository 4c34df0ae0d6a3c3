using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using Xunit.Abstractions;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// A person away for two weeks: quiet hours every night, a mute on a noisy interest that ends halfway, a rate limit and
/// hourly digests, while 500 matches a day keep coming, 30 % of them near-duplicates and a few critical ones at night.
/// Checked once a minute, as the digest reminder ticks: what the digests say, and what the user's state holds.
/// </summary>
public sealed class TwoWeeksAwayTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Interests = ["checkout", "payments", "db", "tls", "k8s", "noisy"];

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(s => s.AddAssembly(typeof(AttentionState).Assembly).AddAssembly(typeof(Digest).Assembly))
        .BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void Two_weeks_of_a_busy_stream_give_bounded_state_and_digests_that_count_every_held_match()
    {
        var away = Simulate(sinkFails: false);

        Assert.Equal(14 * 500, away.Decisions.Values.Sum());
        // Every match held back is counted by the digest that followed it, or by the next, still waiting.
        Assert.Equal(away.Held, away.Sent.Sum(d => d.Total) + away.Waiting);
        // Every suppressed duplicate is counted by a digest, listed in its repeats or not, or still waiting.
        Assert.Equal(away.Suppressed, away.Sent.Sum(RepeatsCounted) + away.RepeatsWaiting);
        // One digest at the end of each night's quiet hours, none inside them.
        Assert.Equal(14, away.Sent.Count(d => d.Reason == DigestReasons.QuietHoursEnd));
        Assert.DoesNotContain(away.Sent, d => d.At.ToOffset(TimeSpan.FromHours(1)).TimeOfDay is var local && (local >= TimeSpan.FromHours(22) || local < TimeSpan.FromHours(7)));
        Assert.All(away.Sent, d => Assert.InRange(d.Groups.Sum(g => g.Top.Count), 0, 10));
        Assert.All(away.Sent, d => Assert.InRange(d.Repeats!.Count, 0, 10));
        // The mute ends after a week: the noisy interest is held back then, never before.
        Assert.DoesNotContain(away.Sent.Where(d => d.At < Start.AddDays(7)), d => d.Groups.Any(g => g.InterestId == "noisy"));
        Assert.Contains(away.Sent.Where(d => d.At > Start.AddDays(7)), d => d.Groups.Any(g => g.InterestId == "noisy"));
        // Each digest waits in the outbox only until the minute's check sends it.
        Assert.Equal(1, away.MaxOutbox);
        Assert.InRange(away.MaxStateBytes, 1, 64 * 1024);
    }

    /// <summary>
    /// A sink that refuses every digest for the two weeks (Kafka down, a tenant without its digest topic): the outbox held
    /// one more digest every hour outside quiet hours, 197 after two weeks, each written with the user's state at every write.
    /// </summary>
    [Fact]
    public void Two_weeks_of_a_sink_refusing_every_digest_keep_the_outbox_bounded_and_the_digest_after_counts_every_match()
    {
        var away = Simulate(sinkFails: true);

        Assert.Equal(AttentionFilter.MaxUnsentDigests, away.MaxOutbox);
        Assert.InRange(away.MaxStateBytes, 1, 128 * 1024);
        // Once the sink takes them: the outbox's digests, then one that counts every match held since.
        Assert.Equal(AttentionFilter.MaxUnsentDigests + 1, away.Sent.Count);
        Assert.Equal(away.Held, away.Sent.Sum(d => d.Total));
        // Past the 256 originals kept, the ones repeated longest ago are forgotten, not their counts.
        Assert.Equal(away.Suppressed, away.Sent.Sum(RepeatsCounted) + away.RepeatsWaiting);
        Assert.InRange(away.Sent[^1].Groups.Sum(g => g.Top.Count), 1, 10);
    }

    private sealed record Away(List<Digest> Sent, Dictionary<string, int> Decisions, int Held, int Waiting, int MaxOutbox, int MaxStateBytes)
    {
        public int Suppressed => Decisions.GetValueOrDefault(DeliveryKinds.SuppressedDuplicate);

        /// <summary>The suppressed duplicates counted for the next digest, listed or not.</summary>
        public required int RepeatsWaiting { get; init; }
    }

    /// <summary>The suppressed duplicates a digest counts: those it lists in its repeats and those it does not.</summary>
    private static int RepeatsCounted(Digest digest) => digest.Repeats!.Sum(r => r.Count) + digest.MoreRepeats;

    /// <summary>
    /// Two weeks of decisions, and the reminder's check every minute as the user's grain makes it: a digest formed goes
    /// to the outbox and leaves it when sent. A sink that fails takes the outbox once the two weeks are over.
    /// </summary>
    private Away Simulate(bool sinkFails)
    {
        var time = new FakeTimeProvider(Start);
        var filter = new AttentionFilter(time);
        var state = new AttentionState();
        var policy = DeliveryPolicy.Default with
        {
            RateLimit = new RateLimitPolicy(5, TimeSpan.FromHours(1)),
            Digest = new DigestPolicy(TimeSpan.FromHours(1), 10),
            QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.95f),
            Mutes = [new MuteRule("noisy", null, Start.AddDays(7))],
        };
        var random = new Random(14);
        var delivered = new List<string>();
        var decisions = new Dictionary<string, int>();
        var sent = new List<Digest>();
        var (maxStateBytes, maxDigestBytes, maxOutbox) = (0, 0, 0);
        var messages = 0;
        for (var day = 0; day < 14; day++)
        {
            // 500 matches at random instants of the day, the reminder's check every minute in between.
            var instants = Enumerable.Range(0, 500).Select(_ => random.Next(24 * 60 * 60)).Order().ToArray();
            var dayStart = Start.AddDays(day);
            var next = 0;
            for (var minute = 0; minute < 24 * 60; minute++)
            {
                while (next < instants.Length && instants[next] < (minute + 1) * 60)
                {
                    time.SetUtcNow(dayStart.AddSeconds(instants[next++]));
                    var duplicate = delivered.Count > 0 && random.NextDouble() < 0.3;
                    var text = duplicate ? Variant(delivered[^(1 + random.Next(Math.Min(20, delivered.Count)))], random) : Alert(messages, random);
                    var critical = random.Next(100) == 0;
                    var match = new UserMatch(time.GetUtcNow(), Interests[random.Next(Interests.Length)], text,
                        critical ? 0.97f : 0.6f + random.Next(30) / 100f, [], $"m{messages++}");
                    var decision = filter.Decide(match, policy, state);
                    decisions[decision.Delivery] = decisions.GetValueOrDefault(decision.Delivery) + 1;
                    if (decision.Delivery is DeliveryKinds.Immediate or DeliveryKinds.Deferred or DeliveryKinds.QuietHours)
                    {
                        delivered.Add(text);
                    }
                }
                time.SetUtcNow(dayStart.AddMinutes(minute + 1));
                if (filter.TakeDueDigest("u", policy, state) is { } digest)
                {
                    state.Outbox.Add(digest);
                    maxDigestBytes = Math.Max(maxDigestBytes, JsonSerializer.SerializeToUtf8Bytes(digest, JsonSerializerOptions.Web).Length);
                }
                maxOutbox = Math.Max(maxOutbox, state.Outbox.Count);
                // The unsent are among the recent digests, which GET …/digests shows.
                Assert.Subset(state.RecentDigests.ToHashSet(), state.Outbox.ToHashSet());
                if (!sinkFails)
                {
                    sent.AddRange(state.Outbox);
                    state.Outbox.Clear();
                }
                maxStateBytes = Math.Max(maxStateBytes, Serializer.SerializeToArray(state).Length);
            }
            output.WriteLine($"day {day + 1}: state {Serializer.SerializeToArray(state).Length} B (max {maxStateBytes}), pending {state.Pending.Count}, unlisted {state.Unlisted.Values.Sum()}, " +
                $"repeats {state.Repeats.Count}, fingerprints {state.Fingerprints.Count}, immediate times {state.ImmediateTimes.Count}, outbox {state.Outbox.Count}, recent digests {state.RecentDigests.Count}");
        }
        if (sinkFails)
        {
            // The sink is back, after the last night's quiet hours: the outbox goes out, then the digest of everything held
            // since it filled.
            sent.AddRange(state.Outbox);
            state.Outbox.Clear();
            time.SetUtcNow(Start.AddDays(14).AddHours(6));
            sent.Add(Assert.IsType<Digest>(filter.TakeDueDigest("u", policy, state)));
        }
        var held = decisions.GetValueOrDefault(DeliveryKinds.Deferred) + decisions.GetValueOrDefault(DeliveryKinds.QuietHours);
        var waiting = state.Pending.Count + state.Unlisted.Values.Sum();
        var suppressed = decisions.GetValueOrDefault(DeliveryKinds.SuppressedDuplicate);
        output.WriteLine($"decisions: {string.Join(", ", decisions.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
        output.WriteLine($"digests sent {sent.Count} ({sent.Count(d => d.Reason == DigestReasons.QuietHoursEnd)} quiet-hours-end), max listed {sent.Max(d => d.Groups.Sum(g => g.Top.Count))}, " +
            $"max repeats {sent.Max(d => d.Repeats!.Count)}, max JSON {maxDigestBytes} B, max outbox {maxOutbox}");
        output.WriteLine($"held {held}, counted in digests {sent.Sum(d => d.Total)} (+{waiting} waiting)");
        var repeatsWaiting = state.Repeats.Values.Sum(r => r.Count) + state.ForgottenRepeats;
        output.WriteLine($"suppressed {suppressed}, repeats listed in digests {sent.Sum(d => d.Repeats!.Sum(r => r.Count))}, counted {sent.Sum(RepeatsCounted)} (+{repeatsWaiting} waiting)");
        return new Away(sent, decisions, held, waiting, maxOutbox, maxStateBytes) { RepeatsWaiting = repeatsWaiting };
    }

    /// <summary>A distinct alert: a few words of a large vocabulary, so two are seldom near-duplicates.</summary>
    private static string Alert(int i, Random random)
        => $"alert {i}: " + string.Join(' ', Enumerable.Range(0, 14).Select(_ => Word(random.Next(5_000)))) + $" on host-{random.Next(100)} at {random.Next(60)} ms";

    /// <summary>The same alert again with other numbers: digits fold to one shingle, so it is a near-duplicate.</summary>
    private static string Variant(string text, Random random) => System.Text.RegularExpressions.Regex.Replace(text, "[0-9]+", _ => random.Next(1_000).ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static string Word(int i) => new([(char)('a' + i % 26), (char)('a' + i / 26 % 26), (char)('a' + i / 676 % 26), 'x']);
}
