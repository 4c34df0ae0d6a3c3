using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// Quiet hours across daylight-saving changes and unusual zones: each night's quiet hours are one stretch, reported
/// with the end they have, and the digest goes out once at that end.
/// </summary>
public sealed class QuietHoursWindowTests
{
    /// <summary>
    /// Every minute of three days from before a zone's change (or three ordinary days of an unusual zone): quiet hours
    /// come as three stretches, each reporting throughout the instant it then ends at.
    /// </summary>
    [Theory]
    [InlineData("Europe/Berlin", "2026-03-29", "22:00", "07:00")] // 02:00-03:00 skipped
    [InlineData("Europe/Berlin", "2026-03-29", "22:00", "02:30")]
    [InlineData("Europe/Berlin", "2026-03-29", "02:30", "07:00")]
    [InlineData("Europe/Berlin", "2026-10-25", "22:00", "07:00")] // 02:00-03:00 twice
    [InlineData("Europe/Berlin", "2026-10-25", "22:00", "02:30")]
    [InlineData("Europe/Berlin", "2026-10-25", "02:30", "07:00")]
    [InlineData("America/New_York", "2026-03-08", "22:00", "02:30")] // 02:00-03:00 skipped
    [InlineData("America/New_York", "2026-03-08", "02:30", "07:00")]
    [InlineData("America/New_York", "2026-11-01", "22:00", "01:30")] // 01:00-02:00 twice
    [InlineData("America/New_York", "2026-11-01", "01:30", "07:00")]
    [InlineData("Australia/Lord_Howe", "2026-04-05", "22:00", "01:45")] // 01:30-02:00 twice (a 30-minute change)
    [InlineData("Australia/Lord_Howe", "2026-04-05", "01:45", "07:00")]
    [InlineData("Australia/Lord_Howe", "2026-10-04", "22:00", "02:15")] // 02:00-02:30 skipped
    [InlineData("Australia/Lord_Howe", "2026-10-04", "02:15", "07:00")]
    [InlineData("America/Sao_Paulo", "2018-11-04", "00:30", "07:00")] // midnight-01:00 skipped (DST ended for good in 2019)
    [InlineData("America/Sao_Paulo", "2019-02-17", "22:00", "07:00")] // at midnight back to 23:00 of the day before
    [InlineData("America/Sao_Paulo", "2019-02-17", "23:30", "07:00")]
    [InlineData("Asia/Kathmandu", "2026-06-01", "22:00", "07:00")] // +05:45
    [InlineData("Pacific/Kiritimati", "2026-06-01", "22:00", "07:00")] // +14
    [InlineData("Pacific/Kiritimati", "2026-06-01", "07:00", "22:00")]
    public void Each_night_is_one_stretch_that_ends_when_it_said(string zoneId, string changeDay, string start, string end)
    {
        var quiet = new QuietHoursPolicy(zoneId, TimeOnly.Parse(start, CultureInfo.InvariantCulture), TimeOnly.Parse(end, CultureInfo.InvariantCulture), 0.9f);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        // From the day before's end of quiet hours, outside them: three days hold three whole stretches.
        var endBefore = DateOnly.Parse(changeDay, CultureInfo.InvariantCulture).AddDays(-1).ToDateTime(quiet.End);
        var from = new DateTimeOffset(endBefore, zone.GetUtcOffset(endBefore));
        var stretches = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        DateTimeOffset? saidEnd = null;
        for (var now = from; now < from.AddDays(3); now = now.AddMinutes(1))
        {
            var isQuiet = QuietHoursWindow.IsQuiet(quiet, now, out var quietEnd);
            if (isQuiet)
            {
                Assert.True(quietEnd > now, $"{now:o}: quiet hours said to end at {quietEnd:o}");
                if (saidEnd is null)
                {
                    stretches.Add((now, quietEnd));
                }
                else
                {
                    Assert.True(saidEnd == quietEnd, $"{now:o}: quiet hours said to end at {quietEnd:o}, earlier at {saidEnd:o}");
                }
                saidEnd = quietEnd;
            }
            else if (saidEnd is { } ended)
            {
                Assert.True(ended == now, $"quiet hours said to end at {ended:o} ended at {now:o}");
                saidEnd = null;
            }
        }
        Assert.Equal(3, stretches.Count);
    }

    /// <summary>
    /// A night of a daylight-saving change with a match every 5 minutes and a digest check every minute: the matches from
    /// the start's instant to the end's wait, the others go out, and one digest goes out at the end with all that waited.
    /// A boundary in a repeated hour is taken the first time the clock reads it; one in a skipped hour at the gap's end.
    /// </summary>
    [Theory]
    [InlineData("Europe/Berlin", "22:00", "02:30", "2026-10-24T20:00Z", "2026-10-25T00:30Z")] // 02:30 CEST, not 02:30 CET
    [InlineData("Europe/Berlin", "02:30", "07:00", "2026-10-25T00:30Z", "2026-10-25T06:00Z")]
    [InlineData("Europe/Berlin", "22:00", "02:30", "2026-03-28T21:00Z", "2026-03-29T01:00Z")] // 03:00 CEST
    [InlineData("Europe/Berlin", "02:30", "07:00", "2026-03-29T01:00Z", "2026-03-29T05:00Z")]
    [InlineData("America/New_York", "22:00", "01:30", "2026-11-01T02:00Z", "2026-11-01T05:30Z")] // 01:30 EDT, not 01:30 EST
    [InlineData("America/New_York", "01:30", "07:00", "2026-11-01T05:30Z", "2026-11-01T12:00Z")]
    [InlineData("America/New_York", "22:00", "02:30", "2026-03-08T03:00Z", "2026-03-08T07:00Z")] // 03:00 EDT
    [InlineData("America/New_York", "02:30", "07:00", "2026-03-08T07:00Z", "2026-03-08T11:00Z")]
    public void A_night_of_a_daylight_saving_change_holds_its_matches_for_one_digest_at_its_end(string zoneId, string start, string end, string quietFrom, string quietUntil)
    {
        var (from, until) = (DateTimeOffset.Parse(quietFrom, CultureInfo.InvariantCulture), DateTimeOffset.Parse(quietUntil, CultureInfo.InvariantCulture));
        var time = new FakeTimeProvider(from.AddHours(-3));
        var (filter, state) = (new AttentionFilter(time), new AttentionState());
        var policy = DeliveryPolicy.Default with
        {
            Duplicates = DeliveryPolicy.Default.Duplicates with { Enabled = false },
            RateLimit = DeliveryPolicy.Default.RateLimit with { MaxImmediate = 10_000 },
            QuietHours = new QuietHoursPolicy(zoneId, TimeOnly.Parse(start, CultureInfo.InvariantCulture), TimeOnly.Parse(end, CultureInfo.InvariantCulture), 0.9f),
        };
        var (held, digests) = (0, new List<Digest>());
        for (var minute = 0; time.GetUtcNow() < until.AddHours(3); minute++, time.Advance(TimeSpan.FromMinutes(1)))
        {
            var now = time.GetUtcNow();
            if (minute % 5 == 0)
            {
                var inside = now >= from && now < until;
                held += inside ? 1 : 0;
                var delivery = filter.Decide(new UserMatch(default, "db", $"match {minute}", 0.7f, [], $"m{minute}"), policy, state).Delivery;
                Assert.True((inside ? DeliveryKinds.QuietHours : DeliveryKinds.Immediate) == delivery, $"{now:o}: {delivery}");
            }
            if (filter.TakeDueDigest("u", policy, state) is { } digest)
            {
                digests.Add(digest);
            }
        }
        var only = Assert.Single(digests);
        Assert.Equal((until, held, DigestReasons.QuietHoursEnd), (only.At, only.Total, only.Reason));
    }

    /// <summary>
    /// A boundary with seconds in a skipped hour is the gap's end, as one without: 02:30:30 on Berlin's spring-forward
    /// night is 03:00 CEST, so quiet hours ending then are over at 03:00 and those starting then have begun.
    /// </summary>
    [Fact]
    public void A_boundary_with_seconds_in_a_skipped_hour_is_the_end_of_the_gap()
    {
        var gapEnd = new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero); // 03:00 CEST
        var ending = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(2, 30, 30), 0.9f);
        var starting = ending with { Start = new TimeOnly(2, 30, 30), End = new TimeOnly(7, 0) };
        Assert.True(QuietHoursWindow.IsQuiet(ending, gapEnd.AddSeconds(-1), out var end));
        Assert.Equal(gapEnd, end);
        Assert.False(QuietHoursWindow.IsQuiet(ending, gapEnd, out _));
        Assert.True(QuietHoursWindow.IsQuiet(starting, gapEnd, out _));
    }

    /// <summary>
    /// One policy asked by a clock that steps back and forth (an NTP correction): each answer is its instant's, never
    /// one remembered from another instant.
    /// </summary>
    [Fact]
    public void A_clock_stepping_back_and_forth_gets_each_instants_own_answer()
    {
        var quiet = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f);
        var evening = new DateTimeOffset(2026, 6, 1, 21, 30, 0, TimeSpan.FromHours(2));
        var end = new DateTimeOffset(2026, 6, 2, 7, 0, 0, TimeSpan.FromHours(2));
        Assert.False(QuietHoursWindow.IsQuiet(quiet, evening, out _));
        Assert.True(QuietHoursWindow.IsQuiet(quiet, evening.AddHours(1), out var nightEnd));
        Assert.Equal(end, nightEnd);
        Assert.False(QuietHoursWindow.IsQuiet(quiet, evening, out _));
        Assert.True(QuietHoursWindow.IsQuiet(quiet, evening.AddDays(-1).AddHours(1), out var nightBeforeEnd));
        Assert.Equal(end.AddDays(-1), nightBeforeEnd);
        Assert.False(QuietHoursWindow.IsQuiet(quiet, end, out _));
        Assert.True(QuietHoursWindow.IsQuiet(quiet, end.AddMinutes(-1), out _));
    }

    /// <summary>
    /// A user who moves from Berlin to New York while quiet hours hold a match: the digest waits for the end of the new
    /// quiet hours (the old end passes inside them) and goes out once, with what was held before and after the move.
    /// </summary>
    [Fact]
    public void A_move_to_another_time_zone_while_matches_wait_sends_them_once_at_the_new_end()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 20, 30, 0, TimeSpan.Zero)); // 22:30 in Berlin
        var (filter, state) = (new AttentionFilter(time), new AttentionState());
        var berlin = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
        var newYork = berlin with { QuietHours = berlin.QuietHours! with { TimeZone = "America/New_York" } };
        Assert.Equal(DeliveryKinds.QuietHours, filter.Decide(new UserMatch(default, "db", "disk full on db-7", 0.7f, [], "a"), berlin, state).Delivery);

        time.SetUtcNow(new DateTimeOffset(2026, 6, 2, 3, 0, 0, TimeSpan.Zero)); // 05:00 in Berlin, 23:00 in New York
        filter.Reschedule(newYork, state);
        var digests = new List<Digest>();
        for (; time.GetUtcNow() < new DateTimeOffset(2026, 6, 2, 14, 0, 0, TimeSpan.Zero); time.Advance(TimeSpan.FromMinutes(1)))
        {
            if (time.GetUtcNow() == new DateTimeOffset(2026, 6, 2, 6, 0, 0, TimeSpan.Zero)) // 02:00 in New York
            {
                Assert.Equal(DeliveryKinds.QuietHours, filter.Decide(new UserMatch(default, "web", "checkout latency high", 0.7f, [], "b"), newYork, state).Delivery);
            }
            if (filter.TakeDueDigest("u", newYork, state) is { } digest)
            {
                digests.Add(digest);
            }
        }
        var only = Assert.Single(digests);
        Assert.Equal((new DateTimeOffset(2026, 6, 2, 11, 0, 0, TimeSpan.Zero), 2), (only.At, only.Total)); // 07:00 in New York
    }
}
