using System.Text;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The schema header every output record (every record <see cref="OutputPublisher"/> produces: matches, notifications,
/// digests, dead letters) carries: <see cref="Header"/>, its value the record's kind and that kind's version,
/// "kind/version" in ASCII, so a consumer knows a record's shape before it reads the value and can route or refuse a
/// shape it does not know. The kind names the value's shape (what writes it), not the topic: a notification is a
/// <see cref="Match"/> record, byte for byte the one on the match topic. A version is raised when a field of its kind is
/// removed, renamed or changed in meaning, or the key or a header changes so; an added field (or header) leaves it as
/// it is, so consumers read records ignoring what they do not know. The values' bytes are made once: the publisher adds
/// the same array to every record of a kind.
/// </summary>
public static class OutputSchema
{
    public const string Header = "streamattention-schema";

    /// <summary>One match, a <see cref="PublishedMatch"/>: on the match topic with <c>Ingest:Output:MatchRecords=PerMatch</c>, and every notification.</summary>
    public const string Match = "match/1";

    /// <summary>A user's matches of one batch, a <see cref="PublishedUserMatches"/>: on the match topic with <c>MatchRecords=PerUserBatch</c>.</summary>
    public const string UserMatches = "user-matches/1";

    /// <summary>A user's digest, a <c>Digest</c>, on the digest topic.</summary>
    public const string Digest = "digest/1";

    /// <summary>
    /// A dead letter: the original key, value and headers with the <see cref="DeadLetterHeaders"/> of its failure; the
    /// <c>offsets-lost</c> one too (no key, no value, its reason in <see cref="DeadLetterHeaders.Error"/>).
    /// </summary>
    public const string DeadLetter = "dead-letter/1";

    internal static readonly byte[] MatchValue = Encoding.ASCII.GetBytes(Match);
    internal static readonly byte[] UserMatchesValue = Encoding.ASCII.GetBytes(UserMatches);
    internal static readonly byte[] DigestValue = Encoding.ASCII.GetBytes(Digest);
    internal static readonly byte[] DeadLetterValue = Encoding.ASCII.GetBytes(DeadLetter);
}
