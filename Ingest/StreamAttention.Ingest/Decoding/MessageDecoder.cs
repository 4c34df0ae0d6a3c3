using System.Text.Unicode;
using Confluent.Kafka;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// The ingest's decoder: the checks every format shares (a value, its size, UTF-8, one leading byte order mark skipped), then the configured format's
/// <see cref="IFormatDecoder"/>, then the user and the origin headers name (<see cref="DeadLetterHeaders.User"/>,
/// <see cref="DeadLetterHeaders.Origin"/>), then the message's
/// tenant (<see cref="MessageTenancy"/>). Never throws on bad input: a rejection names the dead-letter reason.
/// </summary>
public sealed class MessageDecoder(int maxMessageBytes, IFormatDecoder decoder, MessageTenancy tenancy)
{
    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>The headers read with the user header, each refused when given twice with different values.</summary>
    private static readonly string[] UserHeaders = [DeadLetterHeaders.User, DeadLetterHeaders.ErasureMark, DeadLetterHeaders.Incarnation];

    public DecodeResult Decode(byte[]? value, SourcePosition source, Headers? headers = null)
        => tenancy.Resolve(WithHeaderOrigin(WithHeaderUser(DecodeValue(value, source), headers), headers), source.Topic, headers);

    /// <summary>
    /// A message whose header names where it was first read (a replayed dead letter) keeps that origin, and so its match
    /// ids; one without an id of its own, whose id is its position, keeps its first position as its id too, so its
    /// records join those of its first read.
    /// </summary>
    private static DecodeResult WithHeaderOrigin(DecodeResult decoded, Headers? headers)
    {
        if (decoded.Message is not { } message || headers?.TryGetLastBytes(DeadLetterHeaders.Origin, out var bytes) != true)
        {
            return decoded;
        }
        // Two origins are two identities (match ids) for one message.
        if (HeaderText.Ambiguity(headers, DeadLetterHeaders.Origin) is { } ambiguity)
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidField, ambiguity);
        }
        return HeaderText.Of(bytes) is not { } origin
            ? DecodeResult.Reject(DeadLetterReasons.InvalidField, $"header '{DeadLetterHeaders.Origin}' must be a UTF-8 position, topic/partition/offset")
            : DecodeResult.Ok(message with { Origin = origin, Id = message.Id == message.Origin ? origin : message.Id });
    }

    /// <summary>
    /// A message whose header names a user is scored against that user alone (how a <c>decision-failed</c> dead letter
    /// replays); with an origin too it is such a replay (<see cref="IngestMessage.ReplayedForItsUser"/>): every dead letter
    /// has one, and a dead letter produced back by hand has no replay count.
    /// </summary>
    private static DecodeResult WithHeaderUser(DecodeResult decoded, Headers? headers)
    {
        if (decoded.Message is not { } message || headers?.TryGetLastBytes(DeadLetterHeaders.User, out var bytes) != true)
        {
            return decoded;
        }
        // Two users would route the message to whichever came last; two marks or incarnations would let the last decide
        // whether a replay still reaches a user erased since.
        if (UserHeaders.Select(name => HeaderText.Ambiguity(headers, name)).FirstOrDefault(ambiguity => ambiguity is not null) is { } ambiguity)
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidField, ambiguity);
        }
        if (HeaderText.Of(bytes) is not { } user || !IngestMessage.IsUserOfItsTenant(user))
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidField, $"header '{DeadLetterHeaders.User}' must be a UTF-8 user id of the message's tenant, matching {Ids.Pattern}");
        }
        if (message.User is not null && message.User != user)
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidField, $"the message names user '{message.User}' and header '{DeadLetterHeaders.User}' user '{user}'");
        }
        return DecodeResult.Ok(message with
        {
            User = user,
            ReplayedForItsUser = headers.TryGetLastBytes(DeadLetterHeaders.Origin, out _),
            DeadLetteredAfter = DeadLetterHeaders.MarkOf(headers),
            DeadLetteredFor = DeadLetterHeaders.IncarnationOf(headers),
        });
    }

    private DecodeResult DecodeValue(byte[]? value, SourcePosition source)
    {
        if (value is null || value.Length == 0)
        {
            return DecodeResult.Reject(DeadLetterReasons.MissingText, "the message has no value");
        }
        if (value.Length > maxMessageBytes)
        {
            return DecodeResult.Reject(DeadLetterReasons.Oversize, $"{value.Length} bytes, at most {maxMessageBytes} are accepted");
        }
        if (!Utf8.IsValid(value))
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidUtf8, "the value is not valid UTF-8");
        }
        // One leading byte order mark is no part of the message (an editor's or a .NET writer's), as the HTTP bulk import reads it.
        var message = value.AsSpan();
        return decoder.Decode(message.StartsWith(Utf8ByteOrderMark) ? message[Utf8ByteOrderMark.Length..] : message, source);
    }
}
