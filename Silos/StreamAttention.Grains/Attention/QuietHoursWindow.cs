using System.Runtime.CompilerServices;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// Quiet hours as instants: whether an instant falls inside them and when they end, computed in the policy's IANA
/// time zone, so a daylight-saving change moves the instants and not the local times. Each night's quiet
/// hours are one stretch of instants, from its start's instant to its end's: where a fall-back repeats a boundary's
/// local time, the clock reading it the second time neither ends quiet hours again nor starts them again.
/// </summary>
public static class QuietHoursWindow
{
    /// <summary>An answer and the instants it holds for, [<see cref="From"/>, <see cref="Until"/>): inside quiet hours
    /// until they end, or outside them until the next start.</summary>
    private sealed record Answer(bool Quiet, DateTimeOffset From, DateTimeOffset Until);

    /// <summary>
    /// Each policy's last answer: every match of a user with quiet hours asks, and working it out takes up to six time
    /// zone conversions, while it changes only twice a day. Keyed by the policy instance a user's state holds, so a
    /// changed policy (a new instance) is worked out afresh, and dropped with it.
    /// </summary>
    private static readonly ConditionalWeakTable<QuietHoursPolicy, Answer> LastAnswers = new();

    /// <summary>Whether <paramref name="now"/> is inside quiet hours; <paramref name="end"/> is then when they end.</summary>
    public static bool IsQuiet(QuietHoursPolicy? quiet, DateTimeOffset now, out DateTimeOffset end)
    {
        end = default;
        if (quiet is null || quiet.Start == quiet.End)
        {
            return false;
        }
        // Outside its instants (a clock stepped back included) an answer is worked out again.
        if (!LastAnswers.TryGetValue(quiet, out var answer) || now < answer.From || now >= answer.Until)
        {
            answer = AnswerAt(quiet, now);
            LastAnswers.AddOrUpdate(quiet, answer);
        }
        if (answer.Quiet)
        {
            end = answer.Until;
        }
        return answer.Quiet;
    }

    private static Answer AnswerAt(QuietHoursPolicy quiet, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(quiet.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var spansMidnight = quiet.End < quiet.Start;
        var nextStart = DateTimeOffset.MaxValue;
        // The quiet hours that began yesterday (local) may still be on, whether or not they span midnight: a fall-back
        // at midnight (as some zones have) gives the local date back. Tomorrow's only bound how long an answer of
        // "not quiet" holds.
        foreach (var startDate in (ReadOnlySpan<DateOnly>)[today.AddDays(-1), today, today.AddDays(1)])
        {
            var from = ToInstant(startDate.ToDateTime(quiet.Start), zone);
            if (from > now)
            {
                nextStart = from < nextStart ? from : nextStart;
                continue;
            }
            var until = ToInstant((spansMidnight ? startDate.AddDays(1) : startDate).ToDateTime(quiet.End), zone);
            if (now < until)
            {
                return new Answer(true, from, until);
            }
        }
        return new Answer(false, now, nextStart);
    }

    /// <summary>
    /// A local time as an instant: the first the clock reads it, so a local time that a fall-back repeats is taken at
    /// its first occurrence (the earlier instant), and one that a spring-forward skips as the first instant after the gap.
    /// </summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(local))
        {
            // Changes fall on whole minutes: stepping from the whole minute finds the gap's end, not a time as far past it
            // as the boundary's seconds (02:30:30 on a night 02:00-03:00 is skipped is 03:00, not 03:00:30).
            local = local.AddTicks(-(local.Ticks % TimeSpan.TicksPerMinute));
            while (zone.IsInvalidTime(local))
            {
                local = local.AddMinutes(1);
            }
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
