using System.Buffers;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Publishing;

/// <summary>One <see cref="PublishedUserMatches"/> value, the user it is keyed by, and its topic.</summary>
public sealed record UserRecord(string Topic, string UserId, byte[] Value);

/// <summary>
/// A consumed batch's matches as <c>Ingest:Output:MatchRecords=PerUserBatch</c> records: one per user (and output
/// topic), in the order of each user's first match in the batch, listing the user's matches by message in read order.
/// A user's matches that would pass the byte limit (<c>Ingest:Output:MaxRecordBytes</c>) are split into consecutive
/// records; only a single match bigger than the limit makes a record pass it. Each message's fields are encoded once
/// and copied into the records that list it (<see cref="UserMatchesJson"/>); each match is encoded once, into its record.
/// </summary>
public sealed class UserBatchRecords(int maxRecordBytes)
{
    /// <summary>What closes a record after its last match: the message's <c>]}</c> and the record's <c>]}</c>.</summary>
    private const int ClosingBytes = 4;

    private readonly int _maxRecordBytes = maxRecordBytes;
    private readonly UserMatchesJson _json = new();
    private readonly Dictionary<(string Topic, string UserId), List<(byte[] Message, TextMatch Match)>> _users = [];
    private readonly List<(string Topic, string UserId)> _order = [];

    /// <summary>Adds a message's matches, in read order of the batch's messages.</summary>
    /// <param name="text">The message's text, or null when the records leave it out.</param>
    /// <param name="attributes">The message's attributes, or null when the records leave them out.</param>
    /// <param name="topicOf">Where a user's matches go, by user key (the user's tenant's output topic).</param>
    public void Add(IngestMessage message, string? text, JsonElement? attributes, SourcePosition source, IReadOnlyList<TextMatch> matches, Func<string, string> topicOf)
    {
        if (matches.Count == 0)
        {
            return;
        }
        var head = _json.MessageStart(message, text, attributes, source);
        foreach (var match in matches)
        {
            var topic = topicOf(match.UserId);
            if (!_users.TryGetValue((topic, match.UserId), out var entries))
            {
                _users.Add((topic, match.UserId), entries = []);
                _order.Add((topic, match.UserId));
            }
            entries.Add((head, match));
        }
    }

    /// <summary>The records, each user's in order; every match added is in exactly one.</summary>
    public List<UserRecord> Records()
    {
        var records = new List<UserRecord>(_order.Count);
        var record = new ArrayBufferWriter<byte>(4096);
        foreach (var (topic, userId) in _order)
        {
            var start = _json.RecordStart(userId);
            record.Write(start);
            var matchesInRecord = 0;
            byte[]? open = null;
            foreach (var (head, match) in _users[(topic, userId)])
            {
                var json = _json.Match(match);
                // A message's matches share its head: the same array means the same message.
                var sameMessage = open == head;
                var adds = sameMessage ? 1 + json.Length : (open is null ? 0 : 3) + head.Length + json.Length;
                if (matchesInRecord > 0 && record.WrittenCount + adds + ClosingBytes > _maxRecordBytes)
                {
                    record.Write("]}]}"u8);
                    records.Add(new UserRecord(topic, userId, record.WrittenSpan.ToArray()));
                    record.ResetWrittenCount();
                    record.Write(start);
                    matchesInRecord = 0;
                    open = null;
                    sameMessage = false;
                }
                if (sameMessage)
                {
                    record.Write(","u8);
                }
                else
                {
                    if (open is not null)
                    {
                        record.Write("]},"u8);
                    }
                    record.Write(head);
                    open = head;
                }
                record.Write(json);
                matchesInRecord++;
            }
            record.Write("]}]}"u8);
            records.Add(new UserRecord(topic, userId, record.WrittenSpan.ToArray()));
            record.ResetWrittenCount();
        }
        return records;
    }
}
