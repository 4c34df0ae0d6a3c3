using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>Silos whose delivery policies run on a fake clock and whose digests a test can read.</summary>
public static class AttentionCluster
{
    public static readonly DateTimeOffset Start = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    public static Action<ISiloBuilder> Configure(FakeTimeProvider time, RecordingDigestSink sink) => silo =>
    {
        silo.Services.AddSingleton(new AttentionFilter(time));
        silo.Services.AddSingleton<IDigestSink>(sink);
    };

    /// <summary>
    /// A user with one interest that every message matches; one immediate notification an hour, the rest deferred and
    /// listed in a digest of <paramref name="digestSize"/> matches (so a deferral writes to the attention log);
    /// duplicates allowed (their fingerprints kept an hour all the same).
    /// </summary>
    public static async Task<IUserGrain> WithOneImmediateAnHourAsync(IGrainFactory grains, string userId, int digestSize = 100)
    {
        var grain = grains.GetGrain<IUserGrain>(userId);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(false, TimeSpan.FromHours(1), 1),
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)),
            Digest = new DigestPolicy(TimeSpan.FromMinutes(30), digestSize),
        }));
        return grain;
    }

    /// <summary>
    /// Two users of one immediate match an hour, and a batch of two matches of the first (the second deferred by the rate
    /// limit, so its decision writes) around one of the other (delivered at once, which writes nothing).
    /// </summary>
    public static async Task<(string Writing, string Other, (string UserId, UserMatch Match)[] Batch)> TwoUsersBatchAsync(IGrainFactory grains, FakeTimeProvider time, string prefix)
    {
        var (writing, other) = ($"decisions-{prefix}-writing", $"decisions-{prefix}-other");
        await WithOneImmediateAnHourAsync(grains, writing);
        await WithOneImmediateAnHourAsync(grains, other);
        var now = time.GetUtcNow();
        return (writing, other,
        [
            (writing, new UserMatch(now, "db", Texts.DatabaseMessage, 0.9f, [], $"{prefix}-1")),
            (other, new UserMatch(now, "db", Texts.DatabaseMessage, 0.9f, [], $"{prefix}-2")),
            (writing, new UserMatch(now, "db", Texts.DatabaseMessage + " again", 0.9f, [], $"{prefix}-3")),
        ]);
    }

    /// <summary>Checks for a due digest now, as the user's reminder would at its next tick.</summary>
    public static Task TickAsync(IGrainFactory grains, string userId)
        => grains.GetGrain<IUserGrain>(userId).AsReference<IRemindable>().ReceiveReminder(Users.UserGrain.DigestReminder, default);
}

/// <summary>Every digest sent, by any silo of the process.</summary>
public sealed class RecordingDigestSink : IDigestSink
{
    private readonly ConcurrentQueue<Digest> _digests = new();

    public IReadOnlyList<Digest> Of(string userId) => _digests.Where(d => d.UserId == userId).ToArray();

    public Task PublishAsync(Digest digest, CancellationToken cancellationToken)
    {
        _digests.Enqueue(digest);
        return Task.CompletedTask;
    }
}

/// <summary>One two-silo cluster on a fake clock shared by a class's tests; each test uses its own users.</summary>
public sealed class AttentionClusterFixture : ClusterFixture
{
    public FakeTimeProvider Time { get; } = new(AttentionCluster.Start);

    public RecordingDigestSink Sink { get; } = new();

    public override async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(Store, configure: AttentionCluster.Configure(Time, Sink));
}
