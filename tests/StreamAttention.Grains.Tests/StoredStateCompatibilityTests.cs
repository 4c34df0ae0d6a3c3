using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>State written before a field existed must load with the field's default, through the serializer durable storage (Redis) uses.</summary>
public sealed class StoredStateCompatibilityTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    [Fact]
    public void User_state_stored_before_keyword_lists_loads_without_them()
    {
        var serializer = fixture.Services.GetRequiredService<IGrainStorageSerializer>();
        var now = DateTimeOffset.UtcNow;
        var state = new UserInterestsState { Version = 3 };
        state.Interests["db"] = new StoredInterest("db", Texts.DatabaseInterest, 0.6f, now, now, ["postgres"], ["staging"]);
        var current = JsonNode.Parse(serializer.Serialize(state).ToString())!;
        var stored = current["Interests"]?["db"] ?? current["interests"]!["db"]!;
        var fields = stored.AsObject().Select(p => p.Key).Where(k => k.Equals("require", StringComparison.OrdinalIgnoreCase) || k.Equals("exclude", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.Equal(2, fields.Length);
        foreach (var field in fields)
        {
            stored.AsObject().Remove(field);
        }

        var loaded = serializer.Deserialize<UserInterestsState>(BinaryData.FromString(current.ToJsonString()));

        var interest = loaded!.Interests["db"];
        Assert.Equal((Texts.DatabaseInterest, 0.6f, 3L), (interest.Text, interest.Threshold, loaded.Version));
        Assert.Null(interest.Require);
        Assert.Null(interest.Exclude);
    }

    [Fact]
    public void User_state_stored_before_the_attention_log_loads_with_its_pending_matches_and_the_log_at_its_start()
    {
        var serializer = fixture.Services.GetRequiredService<IGrainStorageSerializer>();
        var now = DateTimeOffset.UtcNow;
        var state = new UserInterestsState { Version = 2 };
        state.Attention.Pending.Add(new UserMatch(now, "db", Texts.DatabaseMessage, 0.8f, [], "m1", DeliveryKinds.Deferred));
        state.Attention.NextDigestAt = now.AddHours(1);
        state.Attention.LogStart = 5;
        var current = JsonNode.Parse(serializer.Serialize(state).ToString())!;
        var attention = (current["Attention"] ?? current["attention"])!.AsObject();
        var field = Assert.Single(attention.Select(p => p.Key), k => k.Equals("logStart", StringComparison.OrdinalIgnoreCase));
        attention.Remove(field);

        var loaded = serializer.Deserialize<UserInterestsState>(BinaryData.FromString(current.ToJsonString()))!;

        Assert.Equal(0, loaded.Attention.LogStart);
        Assert.Equal("m1", Assert.Single(loaded.Attention.Pending).MatchId);
        Assert.Equal(now.AddHours(1), loaded.Attention.NextDigestAt);
        Assert.Empty(loaded.Attention.Unwritten().Pending);
    }
}
