using System.Text.Json;
using StreamAttention.Contracts.Json;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// Formats Json and Vectors: one JSON object per message, fields named by <see cref="JsonFieldOptions"/>. With a
/// <see cref="VectorReader"/> (format Vectors) the message carries its token vectors and the text is optional.
/// </summary>
public sealed class JsonMessageDecoder(JsonFieldOptions fields, VectorReader? vectors) : IFormatDecoder
{
    /// <summary>
    /// A property given twice is refused, as the HTTP API refuses it: which of the two would count is a guess
    /// (<c>{"text":"database unavailable","text":"cooking recipes"}</c> scored the last one).
    /// </summary>
    private static readonly JsonDocumentOptions ParseOptions = new() { AllowDuplicateProperties = false };

    /// <summary>The Unix times, in milliseconds, of the first and the last instant a <see cref="DateTimeOffset"/> holds: a numeric timestamp in seconds lies between them too.</summary>
    private static readonly double EarliestUnixTime = DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), LatestUnixTime = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public DecodeResult Decode(ReadOnlySpan<byte> value, SourcePosition source)
    {
        var json = value.ToArray();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ParseOptions);
        }
        catch (JsonException e)
        {
            return DecodeResult.Reject(DeadLetterReasons.MalformedJson, JsonErrors.Describe(e));
        }
        catch (InvalidOperationException)
        {
            // The duplicate check reads every property name and throws on one that is no text (an unpaired surrogate
            // escape): read without it, the name is found and told by its path below, as any such string is.
            document = JsonDocument.Parse(json);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return DecodeResult.Reject(DeadLetterReasons.MalformedJson, $"the message is a JSON {root.ValueKind}, not an object");
            }
            // Every string up front: one that cannot be read would otherwise throw wherever it is read (here, or when
            // its match is published), fail the batch and stall the partition on it.
            return UnreadableStrings.Describe(root) is { } unreadable
                ? DecodeResult.Reject(DeadLetterReasons.InvalidField, unreadable)
                : Decode(root, source);
        }
    }

    private DecodeResult Decode(JsonElement root, SourcePosition source)
    {
        var id = Field(root, fields.Id) switch
        {
            null => source.ToString(),
            { ValueKind: JsonValueKind.String } s when !string.IsNullOrWhiteSpace(s.GetString()) => s.GetString()!,
            { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
            _ => null,
        };
        if (id is null)
        {
            return Invalid(fields.Id, "a non-empty string or a number");
        }
        var text = Field(root, fields.Text);
        if (text is { ValueKind: not JsonValueKind.String })
        {
            return Invalid(fields.Text, "a string");
        }
        if (StringField(root, fields.User) is not (true, var user))
        {
            return Invalid(fields.User!, "a string that is not blank");
        }
        if (StringField(root, fields.Tenant) is not (true, var tenant))
        {
            return Invalid(fields.Tenant!, "a string that is not blank");
        }
        if (user is not null && !IngestMessage.IsUserOfItsTenant(user))
        {
            return Invalid(fields.User!, $"a user id of the message's tenant, matching {Ids.Pattern}");
        }
        var timestamp = Field(root, fields.Timestamp);
        if (timestamp is { } time && !IsPointInTime(time))
        {
            return Invalid(fields.Timestamp!, "a date and time: an ISO 8601 string (2026-11-25T10:00:00Z) or a number, Unix time in seconds or milliseconds");
        }
        var attributes = Field(root, fields.Attributes);
        if (attributes is { ValueKind: not JsonValueKind.Object })
        {
            return Invalid(fields.Attributes!, "an object");
        }
        var messageText = text?.GetString();
        if (vectors is null)
        {
            return string.IsNullOrWhiteSpace(messageText)
                ? DecodeResult.Reject(DeadLetterReasons.MissingText, $"'{fields.Text}' is missing or empty")
                : DecodeResult.Ok(new IngestMessage(id, messageText, tenant, user, timestamp?.Clone(), attributes?.Clone(), null, source.ToString()));
        }
        if (Field(root, fields.Vectors) is not { } vectorField)
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidVector, $"'{fields.Vectors}' is missing");
        }
        var (embedding, reason, detail) = vectors.Read(vectorField, Field(root, fields.Tokens));
        if (embedding is null)
        {
            return DecodeResult.Reject(reason!, detail!);
        }
        // Without a text, the tokens label the message in the match and in the users' histories.
        var label = string.IsNullOrWhiteSpace(messageText) ? string.Join(' ', embedding.Tokens) : messageText;
        return DecodeResult.Ok(new IngestMessage(id, label, tenant, user, timestamp?.Clone(), attributes?.Clone(), embedding, source.ToString()));
    }

    /// <summary>
    /// Whether a timestamp field names a point in time, which its matches carry on as it came: an ISO 8601 date and time,
    /// or a Unix time in seconds or milliseconds (the producer's choice, which a number does not tell: only its range is
    /// checked). Anything else is no time the matches' readers could use.
    /// </summary>
    private static bool IsPointInTime(JsonElement timestamp) => timestamp.ValueKind switch
    {
        JsonValueKind.String => timestamp.TryGetDateTimeOffset(out _),
        JsonValueKind.Number => timestamp.TryGetDouble(out var unixTime) && unixTime >= EarliestUnixTime && unixTime <= LatestUnixTime,
        _ => false,
    };

    /// <summary>The field, or null when it is not configured, absent or JSON null.</summary>
    private static JsonElement? Field(JsonElement root, string? name)
        => name is not null && root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static (bool Valid, string? Value) StringField(JsonElement root, string? name) => Field(root, name) switch
    {
        null => (true, null),
        { ValueKind: JsonValueKind.String } s when !string.IsNullOrWhiteSpace(s.GetString()) => (true, s.GetString()),
        _ => (false, null),
    };

    private static DecodeResult Invalid(string field, string expected)
        => DecodeResult.Reject(DeadLetterReasons.InvalidField, $"'{field}' must be {expected}");
}
