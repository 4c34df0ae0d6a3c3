using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// A change whose write is stored succeeds though its shard (or, for a delete, its tenant) then fails to take it: a
/// retry answers as after any stored change, and the shard catches up by itself.
/// </summary>
public sealed class StoredChangeHttpTests(UserErasureHttpTests.FailingCallSiloFixture fixture) : IClassFixture<UserErasureHttpTests.FailingCallSiloFixture>
{
    [Theory]
    [InlineData("put", "shard")]
    [InlineData("delete", "shard")]
    [InlineData("delete", "tenant")]
    public async Task A_stored_change_that_its_shard_or_tenant_fails_to_take_succeeds_and_the_shard_catches_up(string call, string failing)
    {
        var (tenant, user) = ("acme", $"stored-{call}-{failing}");
        var interest = $"/tenants/{tenant}/users/{user}/interests/f1";
        if (call == "delete")
        {
            (await fixture.Http.PutAsJsonAsync(interest, new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold })).EnsureSuccessStatusCode();
        }
        if (failing == "shard")
        {
            fixture.Faults.FailNext<IScoringShardGrain>(nameof(IScoringShardGrain.Update));
        }
        else
        {
            fixture.Faults.FailNext<ITenantGrain>(nameof(ITenantGrain.Remove));
        }

        if (call == "put")
        {
            using var put = await fixture.Http.PutAsJsonAsync(interest, new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        else
        {
            Assert.Equal(HttpStatusCode.NoContent, (await fixture.Http.DeleteAsync(interest)).StatusCode);
            await HttpApiTests.AssertProblemAsync(await fixture.Http.DeleteAsync(interest), HttpStatusCode.NotFound);
        }

        Assert.Equal(call == "put" ? 1 : 0, (await fixture.Http.GetFromJsonAsync<JsonObject>($"/tenants/{tenant}/users/{user}/interests"))!["interests"]!.AsArray().Count);
        // No later write sends the rows: the user grain's retry brings them to the shard.
        var gateway = fixture.Services.GetRequiredService<IGrainFactory>().GetGrain<IScoringGatewayGrain>(0);
        var attempt = 0;
        await Eventually.SucceedsAsync(async () =>
        {
            var matches = await gateway.Score([$"{Texts.RacingMessage} {++attempt}"], $"{tenant}/{user}");
            Assert.Equal(call == "put", matches.Any(m => m.InterestId == "f1"));
        });
    }
}
