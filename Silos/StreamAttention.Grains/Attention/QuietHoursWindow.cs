using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// Quiet hours as instants: whether an instant falls inside them and when they end, computed in the policy's IANA
/// time zone each time, so a daylight-saving change moves the instants and not the local times. Each night's quiet
/// hours are one stretch of instants, from its start's instant to its end's: where a fall-back repeats a boundary's
/// local time, the clock reading it the second time neither ends quiet hours again nor starts them again.
/// </summary>
public static class QuietHoursWindow
{
    /// <summary>Whether <paramref name="now"/> is inside quiet hours; <paramref name="end"/> is then when they end.</summary>
    public static bool IsQuiet(QuietHoursPolicy? quiet, DateTimeOffset now, out DateTimeOffset end)
    {
        end = default;
        if (quiet is null || quiet.Start == quiet.End)
        {
            return false;
        }
        var zone = TimeZoneInfo.FindSystemTimeZoneById(quiet.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var spansMidnight = quiet.End < quiet.Start;
        // The quiet hours that began yesterday (local) may still be on, whether or not they span midnight: a fall-back
        // at midnight (as some zones have) gives the local date back.
        foreach (var startDate in (ReadOnlySpan<DateOnly>)[today.AddDays(-1), today])
        {
            var from = ToInstant(startDate.ToDateTime(quiet.Start), zone);
            var until = ToInstant((spansMidnight ? startDate.AddDays(1) : startDate).ToDateTime(quiet.End), zone);
            if (from <= now && now < until)
            {
                end = until;
                return true;
            }
        }
        return false;
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
