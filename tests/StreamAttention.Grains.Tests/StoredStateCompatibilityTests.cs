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
}
