using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Live;

namespace StreamAttention.Grains.Tests;

/// <summary>The live match feed: whichever silo scores a batch, every silo's broadcaster gets its matches.</summary>
public sealed class LiveFeedTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    /// <summary>Subscription polls: a silo subscribes right after it starts; the bound only stops a broken feed.</summary>
    private const int SubscribePolls = 240;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_silo_streams_the_matches_of_a_batch_scored_anywhere()
    {
        var broadcasters = await SubscribedBroadcastersAsync();
        await fixture.Grains.GetGrain<IUserGrain>("feed-db").PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        await fixture.Grains.GetGrain<IUserGrain>("feed-f1").PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)]);
        var mine = broadcasters.Select(b => b.Subscribe("feed-db", capacity: 16)).ToArray();
        using var everyone = broadcasters[0].Subscribe(null, capacity: 16);
        try
        {
            var scored = await fixture.Grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.RacingMessage, Texts.DatabaseMessage],
                sourceIds: ["feed/0/1", "feed/0/2"], messageIds: ["racing-1", "db-1"]);

            using var timeout = new CancellationTokenSource(ReceiveTimeout);
            // What the live feed shows is the user's history entry, and what the gateway returned.
            var kept = (await fixture.Grains.GetGrain<IUserGrain>("feed-db").GetMatches(1)).Single();
            // The message's id and position join the entry (and the live match, equal to it below) to its Kafka record.
            Assert.Equal(("db-1", "feed/0/2"), (kept.MessageId, kept.Source));
            var returned = scored.Single(m => m.UserId == "feed-db");
            Assert.Equal((returned.InterestId, returned.Score, returned.MatchId, returned.Delivery, returned.DuplicateOf, returned.Truncated, returned.RawScore),
                (kept.InterestId, kept.Score, kept.MatchId, kept.Delivery, kept.DuplicateOf, kept.Truncated, kept.RawScore));
            foreach (var subscription in mine)
            {
                // The racing user's match comes first in the batch; a user's subscription skips it.
                var match = await FirstAsync(subscription, timeout.Token);
                Assert.Equal("feed-db", match.UserId);
                Assert.Equal(Texts.DatabaseMessage, match.Match.Text);
                Assert.Contains(match.Match.Highlights, h => h.Token == "postgresql");
                Assert.Equal(kept with { Highlights = [] }, match.Match with { Highlights = [] });
                Assert.Equal(kept.Highlights, match.Match.Highlights);
            }
            Assert.Equal(["feed-f1", "feed-db"], [(await FirstAsync(everyone, timeout.Token)).UserId, (await FirstAsync(everyone, timeout.Token)).UserId]);
        }
        finally
        {
            foreach (var subscription in mine)
            {
                subscription.Dispose();
            }
        }
    }

    [Fact]
    public async Task Erasing_a_user_ends_its_streams_on_every_silo_and_no_other()
    {
        var broadcasters = await SubscribedBroadcastersAsync();
        var user = fixture.Grains.GetGrain<IUserGrain>("feed-erased");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var streams = broadcasters.Select(b => b.Subscribe("feed-erased", capacity: 16)).ToArray();
        using var other = broadcasters[0].Subscribe("feed-kept", capacity: 16);
        try
        {
            await user.Erase();

            using var timeout = new CancellationTokenSource(ReceiveTimeout);
            foreach (var stream in streams)
            {
                await stream.Reader.Completion.WaitAsync(timeout.Token);
            }
            Assert.False(other.Reader.Completion.IsCompleted);
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    private Task<MatchBroadcaster[]> SubscribedBroadcastersAsync() => SubscribedBroadcastersAsync(fixture);

    /// <summary>Both silos' broadcasters, once the feed has their subscriptions.</summary>
    internal static async Task<MatchBroadcaster[]> SubscribedBroadcastersAsync(ClusterFixture fixture)
    {
        var broadcasters = fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<MatchBroadcaster>()).ToArray();
        Assert.Equal(2, broadcasters.Length);
        for (var poll = 0; poll < SubscribePolls && !broadcasters.All(b => b.IsSubscribed); poll++)
        {
            await Task.Delay(PollInterval);
        }
        Assert.All(broadcasters, b => Assert.True(b.IsSubscribed));
        return broadcasters;
    }

    internal static async Task<LiveMatch> FirstAsync(MatchBroadcaster.Subscription subscription, CancellationToken cancellationToken)
    {
        await using var matches = subscription.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.True(await matches.MoveNextAsync());
        return matches.Current;
    }
}
