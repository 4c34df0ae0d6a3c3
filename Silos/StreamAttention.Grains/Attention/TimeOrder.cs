namespace StreamAttention.Grains.Attention;

/// <summary>
/// Positions in items kept in time order, oldest first (a user's notification times, its fingerprints), read through
/// <c>timeAt</c> so that one rule serves a list and a ring alike.
/// </summary>
internal static class TimeOrder
{
    /// <summary>The place after every item at or before <paramref name="at"/>: the end, unless the clock went back.</summary>
    public static int PositionAfter<TItems>(TItems items, int count, Func<TItems, int, DateTimeOffset> timeAt, DateTimeOffset at)
    {
        var position = count;
        while (position > 0 && timeAt(items, position - 1) > at)
        {
            position--;
        }
        return position;
    }

    /// <summary>How many of the oldest items are at or before <paramref name="cutoff"/>.</summary>
    public static int CountUntil<TItems>(TItems items, int count, Func<TItems, int, DateTimeOffset> timeAt, DateTimeOffset cutoff)
    {
        var until = 0;
        while (until < count && timeAt(items, until) <= cutoff)
        {
            until++;
        }
        return until;
    }
}
