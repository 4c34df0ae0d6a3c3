namespace StreamAttention.Grains.Users;

/// <summary>
/// A match id as <see cref="RecentMatches"/> indexes it: the UUID's 16 bytes when it is one written as
/// <see cref="Guid.ToString(string)"/> "N" writes it (the gateway's ids, so it is written back the same), else the id.
/// </summary>
public readonly record struct MatchKey(Guid Uuid, string? OtherId)
{
    public static MatchKey Of(string matchId)
        => Guid.TryParseExact(matchId, "N", out var uuid) && !matchId.AsSpan().ContainsAnyInRange('A', 'F') ? new(uuid, null) : new(default, matchId);

    public string ToId() => OtherId ?? Uuid.ToString("N");

    /// <summary><see cref="ToId"/>, as the key instance of <paramref name="keyed"/> where it holds the id: no new string then.</summary>
    public string ToId<TValue>(Dictionary<string, TValue> keyed)
    {
        if (OtherId is not null || !keyed.TryGetAlternateLookup<ReadOnlySpan<char>>(out var lookup))
        {
            return ToId();
        }
        Span<char> id = stackalloc char[32];
        Uuid.TryFormat(id, out _, "N");
        return lookup.TryGetValue(id, out var kept, out _) ? kept : new string(id);
    }
}
