using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>Kills a silo, so it has its own cluster; the grain storage outlives the silo.</summary>
public sealed class AttentionFailoverTests
{
    [Fact]
    public async Task Killing_the_silo_that_holds_a_user_in_the_middle_of_a_window_loses_no_digest_and_sends_none_twice()
    {
        var time = new FakeTimeProvider(AttentionCluster.Start);
        var sink = new RecordingDigestSink();
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore(), configure: AttentionCluster.Configure(time, sink));
        var grains = cluster.Client;
        var victim = cluster.Silos[1];
        var user = await UserOnAsync(grains, victim.SiloAddress);
        Assert.Empty(await grains.GetGrain<IUserGrain>(user).PutPolicy(DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(false, TimeSpan.Zero, 1),
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)),
            Digest = new DigestPolicy(TimeSpan.FromHours(1), 3),
        }));
        var gateway = grains.GetGrain<IScoringGatewayGrain>(0);

        var early = await gateway.Score(Messages(0, 5), user);
        time.Advance(TimeSpan.FromMinutes(20));
        await cluster.KillSiloAsync(victim);
        var late = await Eventually.SucceedsAsync(() => gateway.Score(Messages(5, 5), user));
        time.Advance(TimeSpan.FromMinutes(40));
        await Eventually.SucceedsAsync(() => AttentionCluster.TickAsync(grains, user));
        await AttentionCluster.TickAsync(grains, user);

        var deferred = early.Concat(late).Where(m => m.Delivery == DeliveryKinds.Deferred).Select(m => m.MatchId).Order().ToArray();
        Assert.Equal(9, deferred.Length);
        var digest = Assert.Single(sink.Of(user));
        Assert.Equal(9, digest.Total);
        Assert.Equal(3, digest.Groups.Sum(g => g.Top.Count));
        var listed = digest.Groups.SelectMany(g => g.Top).Select(m => m.MatchId).ToArray();
        Assert.All(listed, id => Assert.Contains(id, deferred));
    }

    private static string[] Messages(int first, int count)
        => Enumerable.Range(first, count).Select(i => $"{Texts.DatabaseMessage} number {i}").ToArray();

    /// <summary>A user whose grain is active on <paramref name="silo"/>, with an interest the messages match.</summary>
    private static async Task<string> UserOnAsync(IGrainFactory grains, SiloAddress silo)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        for (var i = 0; ; i++)
        {
            var grain = grains.GetGrain<IUserGrain>($"failover-{i}");
            await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
            if (await management.GetActivationAddress(grain) == silo)
            {
                return $"failover-{i}";
            }
        }
    }
}
