using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// The upgrade from a release on Redis, as an operator makes it: records a silo of an earlier build stored in Redis,
/// read by a silo of this build on the same keys, answer each user's export as that silo answered it. The records are
/// what a silo of main at 70dbe1d (cluster contract 10, <c>--Cluster:Clustering=redis</c>, the default embedder) left
/// in Redis after a SIGTERM (<c>StoredStates/contract-10/records/</c>, one file per key under <c>streamattention/state/</c>,
/// each its hash's <c>data</c> field), of three users made through its HTTP API: alice (two interests with keyword lists;
/// a policy with a rate limit, a digest, quiet hours naming a critical interest and two mutes; 👎 twice and 👍 once;
/// three matches and a repeated original waiting for the digest), bob (a digest formed, in the outbox) and carol (two
/// matches held by quiet hours, in her attention log's entry). Its exports are <c>StoredStates/contract-10/exports/</c>,
/// their matches left out: a user's match history is kept in memory, not stored, and starts empty after an upgrade.
/// Unlike <see cref="StoredFormatTests"/>' samples, made by a test, these are a running silo's own: its object graphs
/// (a digest in the outbox and the recent ones), its etags, keys and attention log (Deploy/README.md, "Upgrading").
/// </summary>
public sealed class StoredRedisRecordsTests(StoredRedisRecordsTests.Fixture fixture) : IClassFixture<StoredRedisRecordsTests.Fixture>
{
    private const string Release = "contract-10";

    [Theory]
    [InlineData("alice")]
    [InlineData("bob")]
    [InlineData("carol")]
    public async Task A_user_stored_by_a_silo_of_contract_10_exports_as_that_silo_did(string user)
    {
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(StoredRecords.PathOf($"{Release}/exports/{user}.json")))!;

        var export = JsonNode.Parse(await fixture.Http.GetStringAsync($"/tenants/acme/users/{user}/export"))!.AsObject();

        Assert.Empty(export["matches"]!.AsArray());
        export.Remove("matches");
        // Digest.MoreRepeats came after contract 10: a digest stored before reads with none.
        foreach (var digest in export["digests"]!.AsArray())
        {
            Assert.Equal(0, digest!["moreRepeats"]!.GetValue<int>());
            digest.AsObject().Remove("moreRepeats");
        }
        // The counts the next digest only counts came into the export after contract 10; none of these users has any.
        Assert.Equal((0, 0), (export["unlistedWaitingForDigest"]!.AsObject().Count, export["forgottenRepeatsWaitingForDigest"]!.GetValue<int>()));
        export.Remove("unlistedWaitingForDigest");
        export.Remove("forgottenRepeatsWaitingForDigest");
        Assert.True(JsonNode.DeepEquals(expected, export), $"expected {expected.ToJsonString()}, exported {export.ToJsonString()}");
    }

    /// <summary>A silo on a Redis holding the earlier build's records, written before the silo starts, as an upgrade finds them.</summary>
    public sealed class Fixture : RedisSiloHostFixture
    {
        protected override async Task BeforeSiloStartsAsync()
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.Configuration);
            var records = StoredRecords.PathOf($"{Release}/records");
            foreach (var file in Directory.EnumerateFiles(records, "*.bin", SearchOption.AllDirectories))
            {
                var key = $"streamattention/state/{Path.ChangeExtension(Path.GetRelativePath(records, file), null)}";
                // The etag is any string Orleans' Redis storage made: it compares it, never reads it.
                await redis.GetDatabase().HashSetAsync(key, [new HashEntry("etag", Guid.NewGuid().ToString("N")), new HashEntry("data", await File.ReadAllBytesAsync(file))]);
            }
        }
    }
}
