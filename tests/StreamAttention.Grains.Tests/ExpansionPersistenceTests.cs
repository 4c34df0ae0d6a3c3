using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Grains.Import;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// A user grain stores what the embedder's query expansion added to each interest with the interest, so a grain
/// activated again (after a restart, for a rebuilding shard) reads it instead of computing it; one stored under another
/// key is computed again and stored by the next write.
/// </summary>
public sealed class ExpansionPersistenceTests(ExpandingClusterFixture fixture) : IClassFixture<ExpandingClusterFixture>
{
    [Fact]
    public async Task A_user_grain_activated_again_rebuilds_the_same_rows_from_the_stored_expansions()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("expansion-stored");
        string[] texts = ["postgresql replication lag on the primary", "kafka consumer group rebalancing"];
        Assert.Empty((await user.PutInterests([new InterestInput("a", texts[0]), new InterestInput("b", texts[1])])).Errors);
        var first = await user.GetScoringRows();

        await fixture.Cluster.DeactivateAsync(user);
        var rebuilt = await fixture.Grains.GetGrain<IUserGrain>("expansion-stored").GetScoringRows();

        Assert.Equal([1, 1], texts.Select(fixture.Expansions.Computed));
        AssertSameRows(first, rebuilt);
    }

    [Fact]
    public async Task An_expansion_stored_under_another_key_is_computed_again_and_stored_by_the_next_write()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("expansion-stale");
        const string text = "redis cluster failover after a network partition";
        Assert.Empty((await user.PutInterests([new InterestInput("a", text)])).Errors);
        var first = await user.GetScoringRows();
        fixture.Expansions.Key++;

        await fixture.Cluster.DeactivateAsync(user);
        var rebuilt = await user.GetScoringRows();
        await user.GetScoringRows();
        // Kept in memory, not written by a read: a grain activated again before any write computes it again.
        await fixture.Cluster.DeactivateAsync(user);
        await user.GetScoringRows();
        Assert.Equal(3, fixture.Expansions.Computed(text));
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default));
        await fixture.Cluster.DeactivateAsync(user);
        await user.GetScoringRows();

        Assert.Equal(3, fixture.Expansions.Computed(text));
        AssertSameRows(first, rebuilt);
    }

    [Fact]
    public async Task Interests_stored_without_expansions_get_them_computed_once_and_stored_by_the_next_write()
    {
        // As state written before expansions were stored, or by a caller passing rows without their expansions.
        const string text = "cassandra compaction backlog growing";
        var rows = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<InterestEmbedder>().Embed([text]);
        var user = fixture.Grains.GetGrain<IUserGrain>("expansion-none");
        Assert.Empty((await user.PutInterests([new InterestInput("a", text)], rows)).Errors);

        await fixture.Cluster.DeactivateAsync(user);
        await user.GetScoringRows();
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default));
        await fixture.Cluster.DeactivateAsync(user);
        await user.GetScoringRows();

        // Once for the rows given, once by the first rebuild; none after the write.
        Assert.Equal(2, fixture.Expansions.Computed(text));
    }

    [Fact]
    public async Task An_import_stores_the_expansions_it_computed_with_the_interests()
    {
        string[] texts = ["elasticsearch shard allocation failures", "terraform state lock contention", "nginx upstream timeouts under load"];
        var lines = texts.Select((text, i) => new ImportLine(i + 1, $"expansion-import-{i % 2}", new InterestInput($"i{i}", text))).ToAsyncEnumerable();
        var importer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<InterestImporter>();
        var report = await importer.ImportAsync(lines, CancellationToken.None);
        Assert.Equal(texts.Length, report.Imported);
        var users = Enumerable.Range(0, 2).Select(i => fixture.Grains.GetGrain<IUserGrain>($"expansion-import-{i}")).ToArray();

        foreach (var user in users)
        {
            await fixture.Cluster.DeactivateAsync(user);
            Assert.NotEmpty((await user.GetScoringRows()).Interests);
        }

        Assert.Equal([1, 1, 1], texts.Select(fixture.Expansions.Computed));
    }

    [Fact]
    public async Task The_grain_keeps_no_expansion_after_a_write_and_reads_them_from_their_record_for_rows()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("expansion-record");
        string[] texts = ["grafana alert rules firing twice", "vault token renewal failures"];
        Assert.Empty((await user.PutInterests([new InterestInput("a", texts[0]), new InterestInput("b", texts[1])])).Errors);
        var first = await user.GetScoringRows();
        Assert.Empty(StoredState<UserInterestsState>("user", "expansion-record").Expansions);
        Assert.Equal(texts.Order(), StoredState<UserExpansions>("user-expansions", "expansion-record").ByText.Keys.Order());

        // The grain is still active: the rows it gives now come from the record, which holds the only copy.
        var again = await user.GetScoringRows();
        Assert.Equal([1, 1], texts.Select(fixture.Expansions.Computed));
        fixture.Store.Entries.TryRemove(fixture.Store.Entries.Keys.Single(k => k.StateName == "user-expansions" && k.Grain.Key.ToString() == "expansion-record"), out _);
        await user.GetScoringRows();

        Assert.Equal([2, 2], texts.Select(fixture.Expansions.Computed));
        AssertSameRows(first, again);
    }

    [Fact]
    public async Task A_text_written_again_reuses_its_stored_expansion()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("expansion-rewritten");
        const string text = "haproxy health checks flapping";
        Assert.Empty((await user.PutInterests([new InterestInput("a", text)])).Errors);
        var first = await user.GetScoringRows();
        await fixture.Cluster.DeactivateAsync(user);

        Assert.Empty((await user.PutInterests([new InterestInput("a", text, 0.7f), new InterestInput("twin", text)])).Errors);
        var rewritten = await user.GetScoringRows();

        Assert.Equal(1, fixture.Expansions.Computed(text));
        AssertSameRows(first, new UserScoringRows(rewritten.Version, rewritten.Interests.Where(i => i.Id == "a").ToArray()));
    }

    [Fact]
    public async Task Expansions_in_a_state_stored_before_their_record_are_read_and_moved_to_it_by_the_next_write()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>("expansion-legacy");
        const string text = "rabbitmq queue depth alarms";
        Assert.Empty((await user.PutInterests([new InterestInput("a", text)])).Errors);
        var first = await user.GetScoringRows();
        await fixture.Cluster.DeactivateAsync(user);
        // As an earlier build stored it: the expansions by interest id in the user's state, no record of their own.
        var record = fixture.Store.Entries.Keys.Single(k => k.StateName == "user-expansions" && k.Grain.Key.ToString() == "expansion-legacy");
        fixture.Store.Entries.TryRemove(record, out var expansions);
        var stateKey = fixture.Store.Entries.Keys.Single(k => k.StateName == "user" && k.Grain.Key.ToString() == "expansion-legacy");
        var (state, etag) = fixture.Store.Entries[stateKey];
        ((UserInterestsState)state).Expansions["a"] = ((UserExpansions)expansions.State).ByText[text];
        fixture.Store.Entries[stateKey] = (state, etag);

        var legacy = await user.GetScoringRows();
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default));
        await fixture.Cluster.DeactivateAsync(user);
        var moved = await user.GetScoringRows();

        Assert.Equal(1, fixture.Expansions.Computed(text));
        Assert.Empty(StoredState<UserInterestsState>("user", "expansion-legacy").Expansions);
        Assert.Equal([text], StoredState<UserExpansions>("user-expansions", "expansion-legacy").ByText.Keys);
        AssertSameRows(first, legacy);
        AssertSameRows(first, moved);
    }

    [Fact]
    public async Task Feedback_and_a_text_written_again_leave_the_record_unwritten_and_a_deletion_writes_it()
    {
        const string userId = "expansion-unchanged";
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        string[] texts = ["nginx upstream timeouts", "etcd leader elections"];
        Assert.Empty((await user.PutInterests([new InterestInput("a", texts[0]), new InterestInput("b", texts[1])])).Errors);
        var written = RecordETag(userId);

        await user.Decide([new UserMatch(DateTimeOffset.UtcNow, "a", "nginx upstream timed out", 0.9f, [], "unchanged-0")]);
        Assert.NotNull(await user.GiveFeedback("unchanged-0", relevant: true));
        Assert.Empty((await user.PutInterests([new InterestInput("a", texts[0], 0.7f)])).Errors);
        Assert.Equal(written, RecordETag(userId));

        Assert.True(await user.DeleteInterest("b"));
        Assert.NotEqual(written, RecordETag(userId));
        Assert.Equal([texts[0]], StoredState<UserExpansions>("user-expansions", userId).ByText.Keys);
        Assert.Equal([1, 1], texts.Select(fixture.Expansions.Computed));
    }

    [Fact]
    public async Task Expansions_stored_again_after_a_rebuild_leave_out_texts_that_no_interest_has()
    {
        const string userId = "expansion-stale-text";
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        const string kept = "memcached eviction storms", lost = "zookeeper session expiries";
        Assert.Empty((await user.PutInterests([new InterestInput("a", kept)])).Errors);
        // The record is written first, with the new text only; the state's write fails, so the interest keeps its old text.
        fixture.Store.FailWritesOf("user");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => user.PutInterests([new InterestInput("a", lost)]));
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
        }
        Assert.Equal([lost], StoredState<UserExpansions>("user-expansions", userId).ByText.Keys);

        // A rebuild computes the old text's expansion again; the next write stores it, and not the text no interest has.
        await fixture.Cluster.DeactivateAsync(user);
        await user.GetScoringRows();
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default));

        Assert.Equal([kept], StoredState<UserExpansions>("user-expansions", userId).ByText.Keys);
        Assert.Equal([2, 1], new[] { kept, lost }.Select(fixture.Expansions.Computed));
    }

    private string RecordETag(string user)
        => fixture.Store.Entries.Single(e => e.Key.StateName == "user-expansions" && e.Key.Grain.Key.ToString() == user).Value.ETag;

    private T StoredState<T>(string stateName, string user)
        => (T)fixture.Store.Entries.Single(e => e.Key.StateName == stateName && e.Key.Grain.Key.ToString() == user).Value.State;

    private static void AssertSameRows(UserScoringRows expected, UserScoringRows actual)
    {
        Assert.Equal(expected.Interests.Select(i => i.Id), actual.Interests.Select(i => i.Id));
        foreach (var (a, b) in expected.Interests.Zip(actual.Interests))
        {
            Assert.Equal(a.Embedding.Tokens, b.Embedding.Tokens);
            Assert.Equal(a.Embedding.TokenVectors, b.Embedding.TokenVectors);
            Assert.Equal(a.Embedding.TokenWeights, b.Embedding.TokenWeights);
            Assert.Equal(a.Embedding.Pooled, b.Embedding.Pooled);
        }
    }
}

/// <summary>A cluster whose embedder expands interests (<see cref="ExpandingTestEmbedder"/>), counting what it computes.</summary>
public sealed class ExpandingClusterFixture : ClusterFixture
{
    public ExpansionCounts Expansions { get; } = new();

    public override async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(Store, configure: silo =>
    {
        var words = silo.Services.Single(d => d.ServiceType == typeof(ITextEmbedder));
        silo.Services.Remove(words);
        silo.Services.AddSingleton<ITextEmbedder>(services => new ExpandingTestEmbedder((ITextEmbedder)words.ImplementationFactory!(services), Expansions));
    });
}

/// <summary>The key the cluster's embedders expand under, and the expansions they computed, by text.</summary>
public sealed class ExpansionCounts
{
    private readonly ConcurrentDictionary<string, int> _computed = new(StringComparer.Ordinal);

    public long Key { get; set; } = 1;

    public int Computed(string text) => _computed.GetValueOrDefault(text);

    public void Add(string text) => _computed.AddOrUpdate(text, 1, (_, count) => count + 1);
}

/// <summary>
/// GloVe's rows whose interests get an expansion as the distilled tier's do, computed per text and stored under a key:
/// a pooled vector of their own (the GloVe one, its values rotated), counted in <see cref="ExpansionCounts"/> each time
/// it is computed rather than read from what the caller stored.
/// </summary>
internal sealed class ExpandingTestEmbedder(ITextEmbedder words, ExpansionCounts counts) : ITextEmbedder
{
    public string Name => words.Name;

    public int Dimension => words.Dimension;

    public int MaxTokens => words.MaxTokens;

    public TokenBatch Embed(IReadOnlyList<string> texts) => words.Embed(texts);

    public MessageWindows EmbedWindows(IReadOnlyList<string> texts, WindowLayout layout) => words.EmbedWindows(texts, layout);

    public TokenBatch EmbedQueries(IReadOnlyList<string> texts) => EmbedQueries(texts, new StoredExpansion?[texts.Count]);

    public TokenBatch EmbedQueries(IReadOnlyList<string> texts, StoredExpansion?[] stored)
    {
        var batch = words.Embed(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            if (stored[i]?.Key != counts.Key)
            {
                counts.Add(texts[i]);
                var own = batch.PooledVector(i);
                var rotated = new short[own.Length];
                for (var k = 0; k < own.Length; k++)
                {
                    rotated[k] = (short)(own[(k + 1) % own.Length] * short.MaxValue);
                }
                stored[i] = new StoredExpansion(counts.Key, null, [], [], rotated);
            }
            InterestExpansion.FromFixedPoint(stored[i]!.Pooled, batch.PooledVector(i));
        }
        return batch;
    }

    public void Dispose() => words.Dispose();
}
