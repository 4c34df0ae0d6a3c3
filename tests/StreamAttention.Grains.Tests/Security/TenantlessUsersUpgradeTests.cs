using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// The upgrade to cluster contract 13 on Redis: users without a tenant that a build before it stored were counted by no
/// grain. The grain that counts them finds them in Redis when it first starts, so the export lists them and the quota and
/// usage count them before their next write.
/// </summary>
public sealed class TenantlessUsersUpgradeTests(RedisSiloHostFixture fixture) : IClassFixture<RedisSiloHostFixture>
{
    [Fact]
    public async Task A_user_stored_without_being_counted_is_counted_and_exported()
    {
        // A record no grain counted, as a build of contract 12 left it: a tenant's user's record (its tenant counts it,
        // the grain of the users without a tenant never ran) copied under the key of a user without a tenant.
        Assert.Equal(HttpStatusCode.Created, (await fixture.Http.PutAsJsonAsync("/tenants/seed/users/carol/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await fixture.Http.PutAsJsonAsync("/tenants/seed/users/carol/interests/race", new { text = Texts.RacingInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.PutAsJsonAsync("/tenants/seed/users/policy-only/policy", new { digest = new { digestSize = 7 } })).StatusCode);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.Configuration);
        var database = redis.GetDatabase();
        foreach (var (from, to) in new[] { ("seed/carol", "dave"), ("seed/policy-only", "erin") })
        {
            var data = await database.HashGetAsync($"streamattention/state/user/{from}/user", "data");
            Assert.True(data.HasValue);
            await database.HashSetAsync($"streamattention/state/user/{to}/user", [new HashEntry("etag", Guid.NewGuid().ToString("N")), new HashEntry("data", data)]);
        }

        var usage = (await fixture.Http.GetFromJsonAsync<JsonObject>("/users:usage"))!;
        Assert.Equal((2, 2), ((int)usage["users"]!, (int)usage["interests"]!));
        var lines = (await fixture.Http.GetStringAsync("/users:export")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!.AsObject());
        Assert.Equal(["dave db", "dave race", "erin policy"], lines.Select(line => $"{(string?)line["userId"]} {(line["policy"] is null ? (string?)line["id"] : "policy")}"));

        // Counted once: their next writes and a new user's add one user and the interests written.
        Assert.Equal(HttpStatusCode.Created, (await fixture.Http.PutAsJsonAsync("/users/dave/interests/third", new { text = Texts.DatabaseInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.PutAsJsonAsync("/users/erin/policy", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await fixture.Http.PutAsJsonAsync("/users/frank/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        usage = (await fixture.Http.GetFromJsonAsync<JsonObject>("/users:usage"))!;
        Assert.Equal((3, 4), ((int)usage["users"]!, (int)usage["interests"]!));
    }
}

/// <summary>
/// The same upgrade with one stored record that cannot be read (a class of its own: the count runs once a cluster). Every
/// write of a user without a tenant waits for that count, so a record that failed it would stop them all.
/// </summary>
public sealed class TenantlessUsersUnreadableRecordTests(RedisSiloHostFixture fixture) : IClassFixture<RedisSiloHostFixture>
{
    [Fact]
    public async Task A_stored_record_that_cannot_be_read_is_counted_at_no_interests_and_stops_no_write()
    {
        Assert.Equal(HttpStatusCode.Created, (await fixture.Http.PutAsJsonAsync("/tenants/seed/users/carol/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.Configuration);
        var database = redis.GetDatabase();
        var data = await database.HashGetAsync("streamattention/state/user/seed/carol/user", "data");
        await database.HashSetAsync("streamattention/state/user/dave/user", [new HashEntry("etag", Guid.NewGuid().ToString("N")), new HashEntry("data", data)]);
        await database.HashSetAsync("streamattention/state/user/mallory/user", [new HashEntry("etag", Guid.NewGuid().ToString("N")), new HashEntry("data", new byte[] { 0xde, 0xad, 0xbe, 0xef })]);

        Assert.Equal(HttpStatusCode.Created, (await fixture.Http.PutAsJsonAsync("/users/frank/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        var usage = (await fixture.Http.GetFromJsonAsync<JsonObject>("/users:usage"))!;
        Assert.Equal((3, 2), ((int)usage["users"]!, (int)usage["interests"]!));
    }
}
