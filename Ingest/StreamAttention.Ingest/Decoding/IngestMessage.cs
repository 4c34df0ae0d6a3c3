using System.Text.Json;
using Confluent.Kafka;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Decoding;

/// <summary>Where a message was read: published with its matches, and the offset the commit covers.</summary>
public sealed record SourcePosition(string Topic, int Partition, long Offset)
{
    public static SourcePosition Of(ConsumeResult<byte[]?, byte[]?> input) => new(input.Topic, input.Partition.Value, input.Offset.Value);

    /// <summary>The id of a message that brings none of its own.</summary>
    public override string ToString() => $"{Topic}/{Partition}/{Offset}";
}

/// <summary>A decoded input message.</summary>
/// <param name="Tenant">The message's tenant: it scores against that tenant's users only; null: against every user (no tenancy).</param>
/// <param name="User">Score against this user of <paramref name="Tenant"/> only; null for all of the tenant's users.</param>
/// <param name="Embedding">The producer's embedding (format Vectors); null when the silos embed <paramref name="Text"/>.</param>
/// <param name="Origin">
/// Where the message was first read, "topic/partition/offset" (a replayed dead letter's from its
/// <see cref="Publishing.DeadLetterHeaders.Origin"/> header): the source id its match ids are derived from, so scoring it
/// again (a retried batch, a restarted consumer, a replay) gets the decisions its users made the first time. Not
/// <paramref name="Id"/>: producers' ids need not be unique.
/// </param>
public sealed record IngestMessage(
    string Id,
    string Text,
    string? Tenant,
    string? User,
    JsonElement? Timestamp,
    JsonElement? Attributes,
    EmbeddedText? Embedding,
    string Origin)
{
    /// <summary>
    /// A dead letter for <see cref="User"/> alone replayed (its headers name the user and where it was first read, by the replay command or produced back by hand): scored only while
    /// that user was not erased since (<see cref="Pipeline.ScoringGatewayClient"/>), never dead-lettered again for it.
    /// </summary>
    public bool ReplayedForItsUser { get; init; }

    /// <summary>
    /// Of a <see cref="ReplayedForItsUser"/> message: the erasure mark its dead letter was scored after
    /// (<see cref="Publishing.DeadLetterHeaders.ErasureMark"/>); null when it carries none, and then every erasure the live
    /// feed remembers is taken as later.
    /// </summary>
    public ErasureMark? DeadLetteredAfter { get; init; }

    /// <summary>
    /// Of a <see cref="ReplayedForItsUser"/> message: the incarnation of the user its dead letter was written for
    /// (<see cref="Publishing.DeadLetterHeaders.Incarnation"/>); null when it carries none, and then
    /// <see cref="DeadLetteredAfter"/> decides.
    /// </summary>
    public Guid? DeadLetteredFor { get; init; }

    /// <summary>The user grain key, "tenant/user" (or "user" without a tenant); null when no user is named.</summary>
    public string? UserKey => User is null ? null : Ids.UserKeyOf(Tenant, User);

    /// <summary>The user that grain key <paramref name="userKey"/> names in this message's tenant: the inverse of <see cref="UserKey"/>.</summary>
    public string UserOf(string userKey)
        => Tenant is { } tenant && userKey.Length > tenant.Length && userKey[tenant.Length] == '/' && userKey.StartsWith(tenant, StringComparison.Ordinal)
            ? userKey[(tenant.Length + 1)..]
            : userKey;

    /// <summary>
    /// Whether <paramref name="user"/> can name a message's user (its field, or the dead letters' user header): a user id
    /// of the message's tenant, by the rule the HTTP routes apply to <c>{userId}</c> (<see cref="Ids.IsValid"/>), so never
    /// a "tenant/user" key, which would reach into another tenant, nor text no route could name (control characters, a
    /// right-to-left override, 50,000 characters) reaching the user grains.
    /// </summary>
    public static bool IsUserOfItsTenant(string user) => Ids.IsValid(user);
}
