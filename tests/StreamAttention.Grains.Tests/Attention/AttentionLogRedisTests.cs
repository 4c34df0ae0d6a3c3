using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Core.Internal;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// The attention log in Redis, the durable storage: its entries are records of their own next to the user's state
/// (Orleans' Redis storage keys records by state name), and a new activation reads them back.
/// </summary>
public sealed class AttentionLogRedisTests(RedisAttentionFixture fixture) : IClassFixture<RedisAttentionFixture>
{
    [Fact]
    public async Task A_new_activation_reads_the_deferred_matches_back_from_the_log_and_digests_them_once()
    {
        const string user = "replayed-redis";
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var grain = await WithOneImmediateAnHourAsync(grains, user);
        var deferred = await DeferFourAsync(grains, user);
        Assert.Equal(["attention-log-0", "attention-log-1"], await fixture.KeysAsync(user, "attention-log-"));

        // Asked by the application, the deactivation leaves the log to the next activation (an idle one folds it).
        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Empty(await grain.GetMatches(10));
        Assert.Equal(["attention-log-0", "attention-log-1"], await fixture.KeysAsync(user, "attention-log-"));
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(grains, user);
        await AttentionCluster.TickAsync(grains, user);

        var digest = Assert.Single(fixture.Sink.Of(user));
        Assert.Equal(deferred, digest.Groups.SelectMany(g => g.Top).Select(m => m.MatchId).Order());
        // The digest's whole-state write removed the entries: their records are deleted, not left as empty hashes.
        Assert.Empty(await fixture.KeysAsync(user, "attention-log-"));
    }

    [Fact]
    public async Task Collecting_an_idle_user_folds_its_log_into_the_whole_state_and_removes_the_entries()
    {
        const string user = "collected-redis";
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        await WithOneImmediateAnHourAsync(grains, user);
        var deferred = await DeferFourAsync(grains, user);
        Assert.Equal(["attention-log-0", "attention-log-1"], await fixture.KeysAsync(user, "attention-log-"));

        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Empty(await fixture.KeysAsync(user, "attention-log-"));
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(grains, user);
        Assert.Equal(deferred, Assert.Single(fixture.Sink.Of(user)).Groups.SelectMany(g => g.Top).Select(m => m.MatchId).Order());
    }

    /// <summary>
    /// A silo that stops (an upgrade restarts every one) deactivates its users: what their immediate decisions added, and
    /// no write carried, goes to the log then, so the next activation still knows the notification and its fingerprint.
    /// </summary>
    [Fact]
    public async Task A_deactivation_keeps_the_notification_times_and_fingerprints_of_immediate_decisions()
    {
        const string user = "notified-redis";
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var grain = grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)) }));
        var gateway = grains.GetGrain<IScoringGatewayGrain>(0);
        var notified = Assert.Single(await gateway.Score([Texts.DatabaseMessage], user));
        Assert.Equal(DeliveryKinds.Immediate, notified.Delivery);

        await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        // A call activates the user anew once the deactivation (and its write) is over; the history was in memory.
        Assert.Empty(await grain.GetMatches(10));

        Assert.Equal(["attention-log-0"], await fixture.KeysAsync(user, "attention-log-"));
        var again = await gateway.Score([Texts.DatabaseMessage, "postgresql database replication broke during the night"], user);
        var duplicate = Assert.Single(again, m => m.TextIndex == 0);
        Assert.Equal((DeliveryKinds.SuppressedDuplicate, notified.MatchId), (duplicate.Delivery, duplicate.DuplicateOf));
        // The one notification an hour went out before the deactivation.
        Assert.Equal(DeliveryKinds.Deferred, Assert.Single(again, m => m.TextIndex == 1).Delivery);
    }

    [Fact]
    public async Task The_users_records_are_stored_in_the_binary_format()
    {
        const string user = "binary-redis";
        await fixture.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(user).PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);

        var record = Assert.Single(await fixture.RecordsAsync(user));

        Assert.Equal(BinaryStateSerializer.BinaryFormat, record[0]);
    }

    /// <summary>Erasing a user deletes its records from Redis (state, attention log entries): no key names it afterwards.</summary>
    [Fact]
    public async Task Erasing_a_user_deletes_every_record_of_it_from_redis()
    {
        const string user = "erased-redis";
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        await WithOneImmediateAnHourAsync(grains, user);
        await DeferFourAsync(grains, user);
        Assert.Equal(["attention-log-0", "attention-log-1"], await fixture.KeysAsync(user, "attention-log-"));

        var erased = await fixture.Http.DeleteAsync($"/users/{user}");

        Assert.Equal(System.Net.HttpStatusCode.NoContent, erased.StatusCode);
        Assert.Empty(await fixture.RecordsAsync(user));
        // A new activation reads nothing back and writes nothing.
        Assert.Empty(await grains.GetGrain<IUserGrain>(user).GetMatches(10));
        Assert.Empty(await fixture.RecordsAsync(user));
    }

    /// <summary>One interest that every message matches; one immediate notification an hour, duplicates allowed.</summary>
    private static async Task<IUserGrain> WithOneImmediateAnHourAsync(IGrainFactory grains, string user)
    {
        var grain = grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(false, TimeSpan.Zero, 1),
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)),
            Digest = new DigestPolicy(TimeSpan.FromMinutes(30), 100),
        }));
        return grain;
    }

    /// <summary>Two scoring calls: the first match notified, the other four deferred, in two log entries. Their match ids, in order.</summary>
    private static async Task<string[]> DeferFourAsync(IGrainFactory grains, string user)
    {
        var gateway = grains.GetGrain<IScoringGatewayGrain>(0);
        var matches = (await gateway.Score(Messages(0, 3), user)).Concat(await gateway.Score(Messages(3, 2), user)).ToArray();
        var deferred = matches.Where(m => m.Delivery == DeliveryKinds.Deferred).Select(m => m.MatchId!).Order().ToArray();
        Assert.Equal(4, deferred.Length);
        return deferred;
    }

    private static string[] Messages(int first, int count)
        => Enumerable.Range(first, count).Select(i => $"{Texts.DatabaseMessage} number {i}").ToArray();
}

/// <summary>One silo host whose grain state is in a Redis of its own, with the delivery policy on a fake clock.</summary>
public sealed class RedisAttentionFixture : SiloHostFixture
{
    private RedisServer? _redis;

    public FakeTimeProvider Time { get; } = new(AttentionCluster.Start);

    public RecordingDigestSink Sink { get; } = new();

    protected override IEnumerable<string> Arguments => _redis!.StorageConfiguration;

    public override async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        await base.InitializeAsync();
    }

    /// <summary>The names of the records stored for <paramref name="user"/> whose name has <paramref name="prefix"/>, in order.</summary>
    public async Task<string[]> KeysAsync(string user, string prefix)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        var keys = redis.GetServers().Single().Keys(pattern: $"*{user}*{prefix}*").Select(k => k.ToString()).ToArray();
        return keys.Select(k => k[k.IndexOf(prefix, StringComparison.Ordinal)..]).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The grain state records stored for <paramref name="user"/>: the values of its Redis hashes that are not their ETags.</summary>
    public async Task<byte[][]> RecordsAsync(string user)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        var records = new List<byte[]>();
        foreach (var key in redis.GetServers().Single().Keys(pattern: $"*{user}*"))
        {
            records.AddRange((await redis.GetDatabase().HashGetAllAsync(key)).Where(f => f.Name != "etag").Select(f => (byte[])f.Value!));
        }
        return [.. records];
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _redis?.Dispose();
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new AttentionFilter(Time));
        builder.Services.AddSingleton<IDigestSink>(Sink);
    }
}
