using StreamAttention.Contracts.Users;

namespace StreamAttention.Server.Apis;

/// <summary>
/// The <c>delivery</c> query of a user's matches and of the live streams: the delivery kinds to keep, comma-separated
/// (<c>?delivery=immediate</c>: what reached the person now, a notification client's stream; absent: every decision).
/// </summary>
public static class DeliveryFilter
{
    /// <summary>An error naming what is wrong, or null with <paramref name="kinds"/> the kinds asked for (null: all).</summary>
    public static string? Parse(string? query, out IReadOnlySet<string>? kinds)
    {
        kinds = null;
        if (query is null)
        {
            return null;
        }
        var asked = query.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var unknown = asked.FirstOrDefault(kind => !DeliveryKinds.All.Contains(kind));
        if (asked.Count == 0 || unknown is not null)
        {
            return $"delivery must list kinds among {string.Join(", ", DeliveryKinds.All)}{(unknown is null ? "" : $", not '{unknown}'")}";
        }
        kinds = asked;
        return null;
    }
}
