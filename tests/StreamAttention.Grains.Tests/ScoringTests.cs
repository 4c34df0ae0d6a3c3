using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Grains.Shards;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Tests;

public sealed class ScoringTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IScoringGatewayGrain Gateway => fixture.Grains.GetGrain<IScoringGatewayGrain>(0);

    private Task<InterestWriteResult> Put(string userId, string interestId, string text, float? threshold = null)
        => fixture.Grains.GetGrain<IUserGrain>(userId).PutInterests([new InterestInput(interestId, text, threshold)]);

    private async Task<TextMatch[]> ScoreFor(string userId, params string[] texts)
        => (await Gateway.Score(texts)).Where(m => m.UserId == userId).ToArray();

    [Fact]
    public async Task Scores_reflect_added_updated_and_deleted_interests()
    {
        const string user = "changes";
        Assert.Empty(await ScoreFor(user, Texts.DatabaseMessage, Texts.RacingMessage));

        await Put(user, "topic", Texts.DatabaseInterest);
        var added = Assert.Single(await ScoreFor(user, Texts.DatabaseMessage, Texts.RacingMessage, Texts.Unrelated));
        Assert.Equal((0, "topic"), (added.TextIndex, added.InterestId));
        Assert.Contains(added.Highlights, h => h.Token == "postgresql");

        await Put(user, "topic", Texts.RacingInterest, Texts.RacingThreshold);
        var updated = Assert.Single(await ScoreFor(user, Texts.DatabaseMessage, Texts.RacingMessage, Texts.Unrelated));
        Assert.Equal((1, "topic"), (updated.TextIndex, updated.InterestId));

        await fixture.Grains.GetGrain<IUserGrain>(user).DeleteInterest("topic");
        Assert.Empty(await ScoreFor(user, Texts.DatabaseMessage, Texts.RacingMessage, Texts.Unrelated));
    }

    [Fact]
    public async Task Scoring_one_user_gives_that_users_matches_of_scoring_everyone()
    {
        await Put("only-a", "db", Texts.DatabaseInterest);
        await Put("only-b", "db", Texts.DatabaseInterest);
        var everyone = await Gateway.Score([Texts.DatabaseMessage]);
        var one = await Gateway.Score([Texts.DatabaseMessage], "only-a");
        var match = Assert.Single(one);
        Assert.Equal("only-a", match.UserId);
        // Equal up to float rounding: runs of other sizes sum in other orders.
        Assert.Equal(everyone.Single(m => m.UserId == "only-a").Score, match.Score, 5);
        Assert.Contains(everyone, m => m.UserId == "only-b");
    }

    [Fact]
    public async Task Sharded_batched_scores_equal_one_index_scored_in_process()
    {
        var interests = Enumerable.Range(0, 40).Select(i => new InterestDefinition($"i{i % 3}", Interest(i), $"same-{i / 3}", i % 2 == 0 ? 0.5f : null)).ToArray();
        await Task.WhenAll(interests.GroupBy(i => i.UserId!).Select(user => fixture.Grains.GetGrain<IUserGrain>(user.Key)
            .PutInterests(user.Select(i => new InterestInput(i.Id, i.Text, i.Threshold)).ToArray())));
        string[] messages = [Texts.DatabaseMessage, Texts.RacingMessage, Texts.Unrelated, "kubernetes cluster outage after the network upgrade", "stock markets fall on earnings"];

        var sharded = (await Gateway.Score(messages)).Where(m => m.UserId!.StartsWith("same-", StringComparison.Ordinal)).ToArray();

        var options = new WordVectorOptions();
        using var embedder = new StaticWordEmbedder(WordVectors.Load(await new WordVectorModelSetup().EnsureAsync(options)), options);
        var sessions = new Onnx.OnnxSessionFactory(new Onnx.Options.OnnxRuntimeOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<Onnx.OnnxSessionFactory>.Instance);
        using var scorer = new TwoStageScorer(sessions, new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f });
        var direct = new MessageScorer(embedder, scorer).Score(messages.Select((text, i) => new MessageText($"{i}", text)).ToArray(), InterestIndex.Build(interests, embedder, scorer.Options));

        Assert.NotEmpty(direct);
        Assert.Equal(
            direct.Select(m => (int.Parse(m.MessageId), m.UserId, m.InterestId)).Order(),
            sharded.Select(m => (m.TextIndex, (string?)m.UserId, m.InterestId)).Order());
        foreach (var match in sharded)
        {
            Assert.Equal(direct.Single(d => d.MessageId == $"{match.TextIndex}" && d.UserId == match.UserId && d.InterestId == match.InterestId).Score, match.Score, 4);
        }
    }

    [Fact]
    public async Task A_batch_goes_once_to_each_silo_which_covers_all_its_shards()
    {
        for (var shard = 0; shard < 8; shard++)
        {
            // Every shard holds someone, so every shard has an index to cover.
            await Put(Enumerable.Range(0, 1000).Select(i => $"fill-{i}").First(u => ShardMap.ShardOf(u, 8) == shard), "db", Texts.DatabaseInterest);
        }
        // Scored once through the shards' own grains, which rebuild and publish their indexes to their silos.
        await Gateway.Score([Texts.Unrelated]);
        var meters = fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<BatchingInstruments>().Meter).ToHashSet();
        var runs = 0;
        var routes = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.Contains(instrument.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, _, _, _) =>
        {
            if (instrument.Name == InstrumentNames.BatchSize)
            {
                Interlocked.Increment(ref runs);
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name != InstrumentNames.BatchShardRequests)
            {
                return;
            }
            lock (routes)
            {
                var route = (string)tags[0].Value!;
                routes[route] = routes.GetValueOrDefault(route) + value;
            }
        });
        listener.Start();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Gateway.Score([Texts.DatabaseMessage])));

        // 4 message batches × 8 shards, all covered by the silos' scoring grains: at most one run per batch and silo.
        Assert.Equal(32, routes.GetValueOrDefault("silo"));
        Assert.Equal(0, routes.GetValueOrDefault("shard"));
        Assert.InRange(runs, 1, 4 * fixture.Cluster.Silos.Count);
    }

    [Fact]
    public async Task A_user_grain_that_fails_to_activate_costs_only_that_users_matches()
    {
        // Two users of one shard, so the shard's rebuild asks both.
        var users = Enumerable.Range(0, 1000).Select(i => $"activation-{i}").Where(u => ShardMap.ShardOf(u, 8) == 3).Take(2).ToArray();
        foreach (var user in users)
        {
            await Put(user, "db", Texts.DatabaseInterest);
        }
        await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IScoringShardGrain>(3));
        foreach (var user in users)
        {
            await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IUserGrain>(user));
        }
        fixture.Store.FailReadsOf(users[0]);
        try
        {
            var matched = (await Gateway.Score([Texts.DatabaseMessage])).Select(m => m.UserId).ToHashSet();
            Assert.Contains(users[1], matched);
            Assert.DoesNotContain(users[0], matched);
        }
        finally
        {
            fixture.Store.FailReadsOf(null);
        }
        // The shard asks the failed user again until it answers.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await ScoreFor(users[0], Texts.DatabaseMessage)).Length == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        Assert.Single(await ScoreFor(users[0], Texts.DatabaseMessage));
    }

    [Fact]
    public async Task Shards_rebuild_from_membership_after_deactivation()
    {
        var users = Enumerable.Range(0, 24).Select(i => $"rebuild-{i}").ToArray();
        await Task.WhenAll(users.Select(u => Put(u, "db", Texts.DatabaseInterest)));
        var before = await ScoreUsers(users);
        Assert.Equal(users.Length, before.Length);

        for (var shard = 0; shard < 8; shard++)
        {
            await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IScoringShardGrain>(shard));
        }
        // User grains too, so shards rebuild from persisted state rather than from live user activations.
        foreach (var user in users)
        {
            await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IUserGrain>(user));
        }

        Assert.Equal(before, await ScoreUsers(users));
        var statistics = await Task.WhenAll(Enumerable.Range(0, 8).Select(s => fixture.Grains.GetGrain<IScoringShardGrain>(s).GetStatistics()));
        Assert.True(statistics.Sum(s => s.Users) >= users.Length);
    }

    [Fact]
    public async Task A_user_whose_first_write_failed_is_still_found_by_a_rebuilt_shard()
    {
        const string user = "failed-registration";
        fixture.Store.FailWrites = true;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Put(user, "db", Texts.DatabaseInterest));
        }
        finally
        {
            fixture.Store.FailWrites = false;
        }
        Assert.Empty(await fixture.Grains.GetGrain<IUserGrain>(user).GetInterests());

        await Put(user, "db", Texts.DatabaseInterest);
        await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(user, 8)));

        Assert.Single(await ScoreFor(user, Texts.DatabaseMessage));
    }

    private async Task<(string, string, float)[]> ScoreUsers(string[] users)
        => (await Gateway.Score([Texts.DatabaseMessage])).Where(m => users.Contains(m.UserId)).Select(m => (m.UserId, m.InterestId, MathF.Round(m.Score, 4))).Order().ToArray();

    private static string Interest(int i) => (i % 5) switch
    {
        0 => Texts.DatabaseInterest,
        1 => Texts.RacingInterest,
        2 => "kubernetes cluster networking",
        3 => "stock market earnings",
        _ => "chocolate desserts",
    };
}
