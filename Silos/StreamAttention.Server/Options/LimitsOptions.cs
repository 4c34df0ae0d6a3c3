using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Server.Options;

/// <summary>Per-caller limits of the HTTP API (section "Limits"); a caller is an API key or a token's tenant and subject, else an address.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>
    /// Requests one caller may make per <see cref="Window"/> (ASP.NET Core's fixed-window limiter); beyond: 429. One
    /// window for all of a caller's routes, live streams' openings included; a request that
    /// <see cref="StreamsPerCaller"/> or <see cref="ConcurrentRequestsPerCaller"/> refuses takes no share.
    /// </summary>
    [Range(1, 10_000_000)]
    public int RequestsPerWindow { get; set; } = 6_000;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Bytes of a <c>POST /score</c> or bulk-import body; beyond: 413.</summary>
    [Range(1_024, 1L << 30)]
    public long MaxRequestBodyBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Bytes of a body on a user's routes (an interest, a policy, feedback); beyond: 413. Smaller than
    /// <see cref="MaxRequestBodyBytes"/>: every user may call these, as many at once as it opens requests.
    /// </summary>
    [Range(1_024, 1L << 30)]
    public long MaxUserRequestBodyBytes { get; set; } = 1L << 20;

    /// <summary>Characters of a request's path and query; beyond: 414 (Kestrel's own limit, twice this, answers without a body).</summary>
    [Range(1_024, 1 << 20)]
    public int MaxRequestTargetBytes { get; set; } = 8 << 10;

    /// <summary>Bytes of a request's headers; beyond: 431 (Kestrel's own limit, twice this, answers without a body).</summary>
    [Range(4_096, 1 << 22)]
    public int MaxRequestHeadersBytes { get; set; } = 32 << 10;

    /// <summary>Texts of one <c>POST /score</c>; beyond: 413. At most 1024: bounds the embedded batch sent to every shard.</summary>
    [Range(1, 1_024)]
    public int MaxScoreTexts { get; set; } = 1_024;

    /// <summary>
    /// Live streams (server-sent events) one caller may hold open at once; beyond: 429. Each opening also counts in
    /// <see cref="RequestsPerWindow"/>.
    /// </summary>
    [Range(1, 10_000)]
    public int StreamsPerCaller { get; set; } = 8;

    /// <summary>
    /// Requests one caller may have in progress at once on the routes <see cref="RequestsPerWindow"/> counts, live
    /// streams apart (they have <see cref="StreamsPerCaller"/>); beyond: 429. The window bounds how often a caller
    /// asks, this how much it holds: bodies sent slowly, large <c>/score</c> calls and imports.
    /// </summary>
    [Range(1, 10_000)]
    public int ConcurrentRequestsPerCaller { get; set; } = 16;

    /// <summary>
    /// Connections the process holds open at once, from every client, counted from when they are accepted (before any
    /// credentials): a connection past them is closed at once. Each live stream holds one.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 4_096;

    /// <summary>
    /// Connections one client address (an IPv6 address: its /64) holds open at once; a connection past them is closed
    /// at once. Counted by the TCP peer, so behind a proxy every client shares the proxy's address: raise it to
    /// <see cref="MaxConnections"/> there and limit each address at the proxy.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 64;
}
