using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// The <c>PerUserBatch</c> layout: each record byte for byte as <see cref="OutputJson"/> serializes its
/// <see cref="PublishedUserMatches"/>, grouped by user in order, split below the byte limit without losing or reordering a match.
/// </summary>
public sealed class UserBatchRecordsTests
{
    private const string Topic = "streamattention.matches";
    private static readonly JsonElement StringTime = JsonDocument.Parse("\"2026-11-25T10:00:00Z\"").RootElement;
    private static readonly JsonElement NumberTime = JsonDocument.Parse("1764064800123").RootElement;
    private static readonly JsonElement Attributes = JsonDocument.Parse("""{"source":"pager","level":3.50,"tags":["a","b"],"note":"caf\u00e9 <b> \"q\"","nested":{"x":null,"y":true}}""").RootElement;
    private static readonly Highlight[] Highlights = [new("postgres", 0.4321f), new("réplica", 1f / 3), new("<&>'\"", 0f)];

    /// <summary>A batch's messages (escaping, absent fields) with their matches: users in and out of order, and a message without matches.</summary>
    private static readonly (IngestMessage Message, SourcePosition Source, TextMatch[] Matches)[] Batch =
    [
        (new("m-1", "the postgres replica \"lags\" — café <b>&</b>\n\ttab \u0001 😀", "acme", null, StringTime, Attributes, null, "in/3/1234567"), new("in", 3, 1234567),
        [
            new(0, "acme/alice", "db", 0.8765432f, Highlights, "0193a1b2c3d4e5f60718293a4b5c6d7e", DeliveryKinds.Immediate, null, Truncated: true, RawScore: 0.61f),
            new(0, "bob", "i0", 0.5f, [], "id-2", DeliveryKinds.SuppressedDuplicate, "id-1"),
            new(0, "acme/alice", "replica", 1e-7f, [new("x", float.MaxValue)], "id-3", DeliveryKinds.Deferred, RawScore: 123456.78f),
        ]),
        (new("m/2 \"quoted\" é", "plain text", null, null, NumberTime, null, null, "in/1/7"), new("in", 1, 7), []),
        (new("m-3", "", null, null, null, null, null, "in/0/0"), new("in", 0, 0),
        [
            new(2, "user-0 é \"x\"", "interest <1>", float.Epsilon, Highlights, RawScore: -0f),
            new(2, "bob", "i1", 0.25f, Highlights, "id-5", DeliveryKinds.Immediate),
        ]),
        (new("m-4", "the last one", null, null, NumberTime, Attributes, null, "in/3/1234568"), new("in", 3, 1234568),
        [
            new(3, "bob", "i0", 0.75f, Highlights, "id-6", DeliveryKinds.Deferred, Truncated: true),
            new(3, "acme/alice", "db", 0.5f, [], "id-7", DeliveryKinds.Immediate),
        ]),
    ];

    [Fact]
    public void Each_record_is_written_as_the_serializer_writes_its_user_matches_with_users_messages_and_matches_in_batch_order()
    {
        foreach (var (withText, withAttributes) in new[] { (true, true), (false, false) })
        {
            var records = Records(Batch, int.MaxValue, withText, withAttributes);

            // Users in the order of their first match; each user's messages in read order, their matches in the scorer's order.
            Assert.Equal(["acme/alice", "bob", "user-0 é \"x\""], records.Select(r => r.UserId));
            foreach (var record in records)
            {
                var expected = new PublishedUserMatches(record.UserId, Batch
                    .Select(item => (item.Message, item.Source, Matches: item.Matches.Where(m => m.UserId == record.UserId).ToArray()))
                    .Where(item => item.Matches.Length > 0)
                    .Select(item => new PublishedMessageMatches(item.Message.Id, withText ? item.Message.Text : null, item.Message.Timestamp,
                        withAttributes ? item.Message.Attributes : null, item.Source, item.Matches.Select(Published).ToArray()))
                    .ToArray());
                Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(expected, OutputJson.Records.PublishedUserMatches)), Encoding.UTF8.GetString(record.Value));
                Assert.Equal(Topic, record.Topic);
            }
        }
    }

    [Fact]
    public void A_match_in_a_record_has_the_fields_of_its_published_match()
    {
        var records = Records(Batch, int.MaxValue, withText: true, withAttributes: true);
        var flattened = records.SelectMany(record => Flatten(record.Value)).ToList();
        var expected = Batch.SelectMany(item => item.Matches.Select(match => (item.Message, item.Source, Match: match)))
            .OrderBy(item => records.FindIndex(r => r.UserId == item.Match.UserId))
            .Select(item => JsonSerializer.SerializeToNode(new PublishedMatch(item.Match.MatchId, item.Match.Delivery, item.Match.DuplicateOf, item.Message.Id,
                item.Match.InterestId, item.Match.UserId, item.Match.Score, item.Match.Highlights, item.Message.Text, item.Message.Timestamp, item.Message.Attributes,
                item.Source, item.Match.Truncated, item.Match.RawScore), OutputJson.Records.PublishedMatch)!.AsObject())
            .ToList();
        Assert.Equal(expected.Count, flattened.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Select(p => p.Key).Order(), flattened[i].Select(p => p.Key).Order());
            Assert.True(JsonNode.DeepEquals(expected[i], flattened[i]), $"{expected[i].ToJsonString()}\n{flattened[i].ToJsonString()}");
        }
    }

    [Fact]
    public void A_user_batch_past_the_limit_is_split_into_records_under_it_without_losing_or_reordering_a_match()
    {
        // 40 messages, each matching 1–3 of 5 users with 1–3 interests: records of a few hundred bytes per match.
        var random = new Random(7);
        var batch = Enumerable.Range(0, 40).Select(i =>
        {
            var message = new IngestMessage($"m-{i}", $"message {i} about {new string('x', random.Next(0, 200))}", null, null, StringTime, i % 2 == 0 ? Attributes : null, null, $"input/0/{i}");
            var matches = Enumerable.Range(0, 5).Where(_ => random.Next(3) == 0)
                .SelectMany(user => Enumerable.Range(0, random.Next(1, 4)).Select(interest => new TextMatch(i, $"user-{user}", $"i{interest}", random.NextSingle(), Highlights, $"id-{i}-{user}-{interest}", DeliveryKinds.Deferred)))
                .ToArray();
            return (message, new SourcePosition("in", i % 4, i), matches);
        }).ToArray();
        var all = Records(batch, int.MaxValue, withText: true, withAttributes: true);
        foreach (var limit in new[] { 1024, 1500, 4096, 10_000 })
        {
            var records = Records(batch, limit, withText: true, withAttributes: true);
            Assert.All(records, record => Assert.InRange(record.Value.Length, 1, limit));
            Assert.True(records.Count > all.Count);
            // Records are filled: not one per match.
            Assert.True(records.Count < batch.Sum(item => item.matches.Length) / (limit / 1024));
            // The split records, in order, hold each user's matches as the unsplit one does.
            foreach (var whole in all)
            {
                var parts = records.Where(r => r.UserId == whole.UserId).ToList();
                Assert.Equal(Flatten(whole.Value).Select(m => m.ToJsonString()), parts.SelectMany(r => Flatten(r.Value)).Select(m => m.ToJsonString()));
                // Each part is its own valid record, written as the serializer writes it.
                Assert.All(parts, part => Assert.Equal(Encoding.UTF8.GetString(part.Value),
                    Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(JsonSerializer.Deserialize(part.Value, OutputJson.Records.PublishedUserMatches)!, OutputJson.Records.PublishedUserMatches))));
            }
        }
    }

    [Fact]
    public void A_single_match_bigger_than_the_limit_is_a_record_of_its_own()
    {
        var big = new IngestMessage("big", new string('y', 3000), null, null, null, null, null, "input/0/1");
        var small = new IngestMessage("small", "short", null, null, null, null, null, "input/0/2");
        var records = Records(
        [
            (small, new SourcePosition("in", 0, 0), [new TextMatch(0, "u", "i", 0.5f, [])]),
            (big, new SourcePosition("in", 0, 1), [new TextMatch(1, "u", "i", 0.5f, [])]),
            (small, new SourcePosition("in", 0, 2), [new TextMatch(2, "u", "i", 0.5f, [])]),
        ], 1024, withText: true, withAttributes: true);
        Assert.Equal(["small", "big", "small"], records.SelectMany(r => Flatten(r.Value)).Select(m => (string)m["messageId"]!));
        Assert.Equal([false, true, false], records.Select(r => r.Value.Length > 1024));
    }

    [Theory]
    [InlineData(MatchRecordLayout.PerUserBatch, 512 * 1024, null, true)]
    [InlineData(MatchRecordLayout.PerUserBatch, 1000, null, false)]
    [InlineData(MatchRecordLayout.PerUserBatch, 1_000_000, null, false)]
    [InlineData(MatchRecordLayout.PerUserBatch, 1_000_000, "2000000", true)]
    [InlineData((MatchRecordLayout)7, 512 * 1024, null, false)]
    // The default layout does not care about the limit: a smaller producer message.max.bytes stays valid.
    [InlineData(MatchRecordLayout.PerMatch, 512 * 1024, "100000", true)]
    public void The_output_options_are_validated(MatchRecordLayout layout, int maxRecordBytes, string? producerMaxBytes, bool valid)
    {
        var options = new KafkaIngestOptions { Output = new IngestOutputOptions { MatchRecords = layout, MaxRecordBytes = maxRecordBytes } };
        if (producerMaxBytes is not null)
        {
            options.Producer["message.max.bytes"] = producerMaxBytes;
        }
        Assert.Equal(valid, !options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Any());
    }

    private static List<UserRecord> Records((IngestMessage Message, SourcePosition Source, TextMatch[] Matches)[] batch, int limit, bool withText, bool withAttributes)
    {
        var records = new UserBatchRecords(limit);
        foreach (var (message, source, matches) in batch)
        {
            records.Add(message, withText ? message.Text : null, withAttributes ? message.Attributes : null, source, matches, _ => Topic);
        }
        return records.Records();
    }

    private static PublishedUserMatch Published(TextMatch match)
        => new(match.MatchId, match.Delivery, match.DuplicateOf, match.InterestId, match.Score, match.Highlights, match.Truncated, match.RawScore);

    /// <summary>A record's matches, in order, each with its user's and message's fields: the fields a <see cref="PublishedMatch"/> has.</summary>
    internal static IEnumerable<JsonObject> Flatten(byte[] record)
    {
        var root = JsonNode.Parse(record)!.AsObject();
        foreach (var message in root["messages"]!.AsArray())
        {
            foreach (var match in message!["matches"]!.AsArray())
            {
                var flat = new JsonObject { ["userId"] = (string)root["userId"]! };
                foreach (var (name, value) in message.AsObject().Where(p => p.Key != "matches"))
                {
                    flat[name] = value?.DeepClone();
                }
                foreach (var (name, value) in match!.AsObject())
                {
                    flat[name] = value?.DeepClone();
                }
                yield return flat;
            }
        }
    }
}
