using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// Quiet hours as instants: whether an instant falls inside them and when they end, computed in the policy's IANA
/// time zone each time, so a daylight-saving change moves the instants and not the local times.
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
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var date = DateOnly.FromDateTime(local.DateTime);
        var spansMidnight = quiet.End < quiet.Start;
        bool inside;
        DateOnly endDate;
        if (!spansMidnight)
        {
            inside = time >= quiet.Start && time < quiet.End;
            endDate = date;
        }
        else
        {
            inside = time >= quiet.Start || time < quiet.End;
            endDate = time >= quiet.Start ? date.AddDays(1) : date;
        }
        if (inside)
        {
            end = ToInstant(endDate.ToDateTime(quiet.End), zone);
        }
        return inside;
    }

    /// <summary>A local time as an instant; a local time that a spring-forward skips is taken as the first instant after the gap.</summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }
}
