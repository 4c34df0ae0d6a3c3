using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// Records stored before must load through the serializer of the users' storage: records written before a field existed
/// (with the field's default), and records in the JSON format written before the binary one (<c>StoredStates/*.json</c>,
/// as main at 0b371fc wrote them: Newtonsoft JSON with <c>$type</c>/<c>$values</c>).
/// </summary>
public sealed class StoredStateCompatibilityTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    /// <summary>What the users' storage reads and writes with.</summary>
    private IGrainStorageSerializer Storage => StoredRecords.UsersStorage(fixture.Services);

    /// <summary>The format the users' storage wrote before: the silo's default storage serializer.</summary>
    private JsonGrainStorageSerializer Json => StoredRecords.PreviousJson(fixture.Services);

    [Fact]
    public void User_state_stored_before_keyword_lists_loads_without_them()
    {
        var now = DateTimeOffset.UtcNow;
        var state = new UserInterestsState { Version = 3 };
        state.Interests["db"] = new StoredInterest("db", Texts.DatabaseInterest, 0.6f, now, now, ["postgres"], ["staging"]);
        var current = JsonNode.Parse(Json.Serialize(state).ToString())!;
        var stored = current["Interests"]?["db"] ?? current["interests"]!["db"]!;
        var fields = stored.AsObject().Select(p => p.Key).Where(k => k.Equals("require", StringComparison.OrdinalIgnoreCase) || k.Equals("exclude", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.Equal(2, fields.Length);
        foreach (var field in fields)
        {
            stored.AsObject().Remove(field);
        }

        var loaded = Storage.Deserialize<UserInterestsState>(BinaryData.FromString(current.ToJsonString()));

        var interest = loaded!.Interests["db"];
        Assert.Equal((Texts.DatabaseInterest, 0.6f, 3L), (interest.Text, interest.Threshold, loaded.Version));
        Assert.Null(interest.Require);
        Assert.Null(interest.Exclude);
    }

    [Fact]
    public void User_state_stored_before_the_attention_log_loads_with_its_pending_matches_and_the_log_at_its_start()
    {
        var now = DateTimeOffset.UtcNow;
        var state = new UserInterestsState { Version = 2 };
        state.Attention.Pending.Add(new UserMatch(now, "db", Texts.DatabaseMessage, 0.8f, [], "m1", DeliveryKinds.Deferred));
        state.Attention.NextDigestAt = now.AddHours(1);
        state.Attention.LogStart = 5;
        var current = JsonNode.Parse(Json.Serialize(state).ToString())!;
        var attention = (current["Attention"] ?? current["attention"])!.AsObject();
        var field = Assert.Single(attention.Select(p => p.Key), k => k.Equals("logStart", StringComparison.OrdinalIgnoreCase));
        attention.Remove(field);

        var loaded = Storage.Deserialize<UserInterestsState>(BinaryData.FromString(current.ToJsonString()))!;

        Assert.Equal(0, loaded.Attention.LogStart);
        Assert.Equal("m1", Assert.Single(loaded.Attention.Pending).MatchId);
        Assert.Equal(now.AddHours(1), loaded.Attention.NextDigestAt);
        Assert.Empty(loaded.Attention.Unwritten().Pending);
    }

    [Fact]
    public void The_users_storage_writes_the_binary_format_and_reads_it_back_whole()
    {
        var state = Storage.Deserialize<UserInterestsState>(StoredRecords.Text("user-state.json"))!;

        var written = Storage.Serialize(state);
        var loaded = Storage.Deserialize<UserInterestsState>(written);

        Assert.IsType<BinaryStateSerializer>(Storage);
        Assert.Equal(BinaryStateSerializer.BinaryFormat, written.ToMemory().Span[0]);
        Assert.True(written.ToMemory().Length < StoredRecords.Text("user-state.json").ToMemory().Length / 3);
        // The JSON of both, with every field and type name, is equal only if every value is.
        Assert.Equal(Json.Serialize(state).ToString(), Json.Serialize(loaded).ToString());
    }

    [Fact]
    public void A_binary_record_is_the_format_byte_then_what_orleans_serializer_writes()
    {
        var state = Storage.Deserialize<UserInterestsState>(StoredRecords.Text("user-state.json"))!;

        var written = Storage.Serialize(state).ToArray();

        Assert.Equal([BinaryStateSerializer.BinaryFormat, .. fixture.Services.GetRequiredService<Serializer>().SerializeToArray(state)], written);
    }

    [Fact]
    public void A_user_state_stored_in_json_loads_whole()
    {
        var state = Storage.Deserialize<UserInterestsState>(StoredRecords.Text("user-state.json"))!;

        Assert.Equal(7, state.Version);
        var interest = state.Interests["db"];
        Assert.Equal(("database replication", 0.55f, At, At.AddDays(-1)), (interest.Text, interest.Threshold, interest.Updated, interest.Created));
        Assert.Equal(["postgres"], interest.Require!);
        Assert.Equal(["staging"], interest.Exclude!);
        Assert.Equal(DeliveryPolicy.Default.RateLimit, state.Policy!.RateLimit);
        Assert.Equal(new MuteRule(null, "staging", At.AddDays(1)), Assert.Single(state.Policy.Mutes));
        var attention = state.Attention;
        Assert.Equal([At.AddMinutes(-5)], attention.ImmediateTimes);
        var fingerprint = Assert.Single(attention.Fingerprints);
        Assert.Equal(("m-0", At.AddMinutes(-5)), (fingerprint.MatchId, fingerprint.At));
        Assert.Equal(MinHashSignature.SketchOf("Postgres replica lag on db-3"), fingerprint.Sketch);
        var pending = Assert.Single(attention.Pending);
        Assert.Equal(("m-1", DeliveryKinds.Deferred, 0.81f, 0.7f), (pending.MatchId, pending.Delivery, pending.Score, pending.RawScore));
        Assert.Equal("postgres", Assert.Single(pending.Highlights).Token);
        Assert.Equal((At.AddHours(1), 2L, 3L), (attention.NextDigestAt, attention.DigestSequence, attention.LogStart));
        Assert.Equal("m-00", Assert.Single(Assert.Single(Assert.Single(attention.RecentDigests).Groups).Top).MatchId);
        Assert.Equal("u/2", Assert.Single(attention.Outbox).Id);
        var feedback = attention.Feedback["db"];
        Assert.Equal((0.05f, 1, 2), (feedback.Offset, feedback.Relevant, feedback.NotRelevant));
        Assert.Equal([0.25f, -0.5f], Assert.Single(feedback.NotLikeThis));
        Assert.Empty(state.Expansions);
    }

    [Fact]
    public void An_attention_log_entry_stored_in_json_loads_whole()
    {
        var entry = Storage.Deserialize<AttentionEntry>(StoredRecords.Text("attention-log-entry.json"))!;

        Assert.Equal([At], entry.ImmediateTimes);
        var fingerprint = Assert.Single(entry.Fingerprints);
        Assert.Equal(("m-2", At.AddMinutes(1)), (fingerprint.MatchId, fingerprint.At));
        Assert.Equal(MinHashSignature.SketchOf("Postgres replica lag on db-5"), fingerprint.Sketch);
        var pending = Assert.Single(entry.Pending);
        Assert.Equal(("m-2", DeliveryKinds.QuietHours, true, null), (pending.MatchId, pending.Delivery, pending.Truncated, pending.RawScore));
        Assert.Empty(pending.Highlights);
        Assert.Equal(At.AddHours(1), entry.NextDigestAt);
    }

    [Fact]
    public void A_shard_membership_stored_in_json_loads_whole()
    {
        var membership = Storage.Deserialize<ShardMembershipState>(StoredRecords.Text("shard-membership.json"))!;

        Assert.Equal(["bob", "tenant/alice"], membership.Users.Order(StringComparer.Ordinal));
    }
}
