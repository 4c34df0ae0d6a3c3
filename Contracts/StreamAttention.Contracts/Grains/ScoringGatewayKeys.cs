namespace StreamAttention.Contracts.Grains;

/// <summary>
/// Keys of <see cref="IScoringGatewayGrain"/> that name who calls it, so its instruments count a stream's messages apart
/// from texts sent on request (<c>POST /score</c>) on whichever silo the caller reaches: a stateless worker keeps no
/// state, so the two keys' activations differ only in what they count.
/// </summary>
public static class ScoringGatewayKeys
{
    /// <summary>Messages from a stream (the ingest, in the silo's process or standalone).</summary>
    public const long Stream = 0;

    /// <summary>Texts sent on request.</summary>
    public const long Requests = 1;
}
