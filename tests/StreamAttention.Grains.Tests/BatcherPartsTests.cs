using System.Runtime.InteropServices;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Grains.Shards;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Tests;

/// <summary>The silo batcher's parts alone: the silo's interest index, the bounded queue, the run.</summary>
public sealed class BatcherPartsTests
{
    private const int Dimension = 4;
    private static readonly ScoringOptions Options = new();

    [Fact]
    public void The_silo_index_concatenates_published_shards_and_forgets_withdrawn_ones()
    {
        var words = new WordTable(Dimension);
        var silo = new SiloInterestIndex(words, Options);
        silo.Publish(5, [Index("e", 2, words)]);
        silo.Publish(2, [Index("b", 2, words), Index("c", 1, words)]);
        silo.Publish(7, [Index("x", 0, words)]);

        var snapshot = silo.Current();
        Assert.Same(snapshot, silo.Current());
        Assert.Equal([2, 5, 7], snapshot.Covered);
        Assert.Equal([2, 5], snapshot.Shards);
        Assert.Equal(["b0", "b1", "c0", "e0", "e1"], snapshot.Index.Interests.Select(i => i.Id));
        Assert.Equal([2, 2, 2, 5, 5], Enumerable.Range(0, 5).Select(snapshot.ShardAt));
        // One copy of each word per silo: every part and the silo's index refer to the same table.
        Assert.Same(words, snapshot.Index.Words);
        Assert.Equal(1, words.Count);

        silo.Withdraw(2);
        var after = silo.Current();
        Assert.Equal([5, 7], after.Covered);
        Assert.Equal(["e0", "e1"], after.Index.Interests.Select(i => i.Id));
    }

    [Fact]
    public void A_runs_matches_are_grouped_by_the_shard_that_published_each_interest_in_the_order_the_run_gave_them()
    {
        var random = new Random(7);
        var words = new WordTable(Dimension);
        var silo = new SiloInterestIndex(words, Options);
        // Shard 40 publishes no user and shard 12 only users without interests: both covered, neither has rows.
        silo.Publish(40, []);
        silo.Publish(12, [Index("s12u0-", 0, words), Index("s12u1-", 0, words)]);
        foreach (var shard in new[] { 9, 3, 0, 7, 21 })
        {
            silo.Publish(shard, Enumerable.Range(0, random.Next(1, 5)).Select(u => Index("i", random.Next(0, 6), words, user: $"s{shard}u{u}")).ToArray());
        }
        var snapshot = silo.Current();
        Assert.InRange(snapshot.Index.Count, 20, 100);
        Highlight[] highlights = [new("w", 0.5f)];
        var pairs = Enumerable.Range(0, 400)
            .Select(_ => new RowMatch(random.Next(5), random.Next(snapshot.Index.Count), random.NextSingle(), 0, highlights) { RawScore = random.NextSingle(), Truncated = random.Next(2) == 0 })
            .ToList();

        var matches = snapshot.Matches(pairs);

        // As the grain grouped them before: each pair's row looked up among where the shards' rows start.
        int ShardOf(int row) => snapshot.Shards[Array.FindLastIndex(snapshot.Starts, start => start <= row)];
        Assert.Equal([0, 3, 7, 9, 12, 21, 40], matches.Select(group => group.Shard));
        foreach (var group in matches)
        {
            var expected = pairs.Where(pair => ShardOf(pair.InterestIndex) == group.Shard).Select(pair =>
            {
                var interest = snapshot.Index.Interests[pair.InterestIndex];
                return new TextMatch(pair.MessageIndex, interest.UserId!, interest.Id, pair.Score, highlights, Truncated: pair.Truncated, RawScore: pair.RawScore);
            });
            Assert.Equal(expected, group.Matches);
            // The type the shards' matches always went over the wire as.
            Assert.IsType<List<TextMatch>>(group.Matches);
        }
        Assert.Empty(matches.Single(group => group.Shard == 12).Matches);
        Assert.Equal(pairs.Count, matches.Sum(group => group.Matches.Count));

        // A run's pairs name rows of the snapshot it scored against: shards that withdraw or publish since do not move them.
        silo.Withdraw(3);
        silo.Publish(0, [Index("moved", 3, words, user: "s0u9")]);
        Assert.NotSame(snapshot, silo.Current());
        Assert.Equal(Flatten(matches), Flatten(snapshot.Matches(pairs)));
        static IEnumerable<(int, TextMatch)> Flatten(ShardMatches[] groups) => groups.SelectMany(group => group.Matches.Select(match => (group.Shard, match)));
    }

    [Fact]
    public void Every_row_names_its_own_interest_user_and_shard_after_shards_withdraw_and_publish_other_interests()
    {
        var words = new WordTable(Dimension);
        var silo = new SiloInterestIndex(words, Options);
        silo.Publish(1, [Index("a", 2, words, user: "u1"), Index("b", 3, words, user: "u2")]);
        silo.Publish(4, [Index("c", 1, words, user: "u3")]);
        silo.Publish(6, [Index("d", 2, words, user: "u4")]);
        silo.Current();
        // Shard 1 loses an interest and a user, shard 4 leaves, shard 6 gains a user before its own: every row after them moves.
        silo.Withdraw(1);
        silo.Leave(4);
        silo.Publish(6, [Index("e", 3, words, user: "u5"), Index("d", 2, words, user: "u4")]);
        silo.Publish(1, [Index("a", 1, words, user: "u1")]);
        var snapshot = silo.Current();
        var pairs = Enumerable.Range(0, snapshot.Index.Count).Reverse().Select(row => new RowMatch(0, row, 0.5f, 0, [])).ToList();

        var matches = snapshot.Matches(pairs);

        Assert.Equal([1, 6], matches.Select(group => group.Shard));
        Assert.Equal([("u1", "a0")], matches[0].Matches.Select(match => (match.UserId, match.InterestId)));
        Assert.Equal([("u4", "d1"), ("u4", "d0"), ("u5", "e2"), ("u5", "e1"), ("u5", "e0")], matches[1].Matches.Select(match => (match.UserId, match.InterestId)));
        Assert.Equal([1, 6, 6, 6, 6, 6], Enumerable.Range(0, 6).Select(snapshot.ShardAt));
    }

    [Fact]
    public void The_users_indexes_read_their_pooled_vectors_from_the_silo_index_so_the_silo_holds_one_copy()
    {
        var words = new WordTable(Dimension);
        var silo = new SiloInterestIndex(words, Options);
        InterestIndex[] first = [Index("a", 2, words, pooled: 0.25f), Index("b", 1, words, pooled: 0.5f)];
        var second = Index("c", 3, words, pooled: 0.75f);
        var before = first.Append(second).Select(user => user.Queries.ToArray()).ToArray();
        silo.Publish(1, first);
        silo.Publish(2, [second]);

        var snapshot = silo.Current();

        Assert.All(first.Append(second), user => Assert.Same(ArrayOf(snapshot.Index.Queries), ArrayOf(user.Queries)));
        Assert.Equal(before, first.Append(second).Select(user => user.Queries.ToArray()));
        Assert.Equal(before.SelectMany(q => q), snapshot.Index.Queries.ToArray());

        // After a change the users left read the new matrix: the old one is no longer held.
        silo.Withdraw(1);
        var after = silo.Current();
        Assert.Same(second, after.Index);
        silo.Publish(1, [first[1]]);
        var last = silo.Current();
        Assert.Same(ArrayOf(last.Index.Queries), ArrayOf(first[1].Queries));
        Assert.Same(ArrayOf(last.Index.Queries), ArrayOf(second.Queries));
        Assert.NotSame(ArrayOf(snapshot.Index.Queries), ArrayOf(second.Queries));
        Assert.Equal(before[1..], new[] { first[1], second }.Select(user => user.Queries.ToArray()));
    }

    [Fact]
    public void The_silos_word_table_stays_bounded_while_interests_with_ever_new_words_come_and_go()
    {
        const int wordsPerChange = 100;
        var silo = new SiloInterestIndex(new WordTable(Dimension), Options);
        var snapshot = silo.Current();
        // 200 changes of one user's interests, each naming 100 words no interest named before: 20,000 words in all.
        for (var change = 0; change < 200; change++)
        {
            silo.Publish(1, [NewWords(change, wordsPerChange, silo.Words)]);
            snapshot = silo.Current();
        }

        Assert.InRange(silo.Words.Count, 0, SiloInterestIndex.MinWordsToReplace + wordsPerChange);
        // The silo's index still holds the last change's words, whichever table they are in.
        Assert.Equal(Enumerable.Range(0, wordsPerChange).Select(i => NewWord(199, i)),
            snapshot.Index.QueryWordIds.Select(id => snapshot.Index.Words.Vector(id).ToArray()));
    }

    [Fact]
    public void A_shards_index_over_a_replaced_word_table_moves_to_the_new_one_with_the_same_words()
    {
        var silo = new SiloInterestIndex(new WordTable(Dimension), Options);
        var old = NewWords(0, SiloInterestIndex.MinWordsToReplace + 1, silo.Words);
        silo.Publish(1, [old]);
        silo.Current();
        // Then the user drops all of those interests but one: most of the table's words are no longer used.
        var kept = old.Subset([0]);
        silo.Publish(1, [kept]);
        silo.Current();

        Assert.NotSame(old.Words, silo.Words);
        var moved = silo.OnCurrentWords(kept);
        Assert.Same(silo.Words, moved.Words);
        Assert.Equal(kept.Interests, moved.Interests);
        Assert.Equal(kept.Queries.ToArray(), moved.Queries.ToArray());
        Assert.Equal(NewWord(0, 0), moved.Words.Vector(moved.QueryWordIds.Single()).ToArray());
        Assert.Same(moved, silo.OnCurrentWords(moved));
    }

    [Fact]
    public void A_shard_withdrawn_for_a_change_keeps_its_words_in_the_silos_table()
    {
        var silo = new SiloInterestIndex(new WordTable(Dimension), Options);
        var table = silo.Words;
        silo.Publish(1, [NewWords(0, SiloInterestIndex.MinWordsToReplace + 1, table)]);
        silo.Current();
        // A user of the shard changed: it publishes its users again at its next score; their words are all still used.
        silo.Withdraw(1);
        silo.Current();

        Assert.Same(table, silo.Words);
    }

    [Fact]
    public void A_shard_that_left_the_silo_leaves_its_words_unused()
    {
        var silo = new SiloInterestIndex(new WordTable(Dimension), Options);
        var table = silo.Words;
        silo.Publish(1, [NewWords(0, SiloInterestIndex.MinWordsToReplace + 1, table)]);
        silo.Current();
        silo.Withdraw(1);
        silo.Leave(1);
        silo.Current();

        Assert.NotSame(table, silo.Words);
    }

    [Fact]
    public void A_full_queue_refuses_requests()
    {
        var queue = new ScoringQueue(capacity: 2);
        Assert.True(queue.TryEnqueue(Request(1)));
        Assert.True(queue.TryEnqueue(Request(1)));
        Assert.False(queue.TryEnqueue(Request(1)));
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public async Task A_request_whose_caller_gave_up_is_dropped_unscored()
    {
        var queue = new ScoringQueue(capacity: 4);
        using var gaveUp = new CancellationTokenSource();
        var abandoned = Request(1, gaveUp.Token);
        var waiting = Request(1);
        queue.TryEnqueue(abandoned);
        queue.TryEnqueue(waiting);
        await gaveUp.CancelAsync();

        var taken = await queue.TakeAsync(maxRequests: 8, maxMessages: 100, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal([waiting], taken.Requests);
        Assert.Equal(1, taken.Dropped);
        Assert.True(abandoned.Completion.Task.IsCanceled);
    }

    [Fact]
    public async Task A_stop_while_a_run_waits_for_more_requests_gives_back_those_it_took()
    {
        var queue = new ScoringQueue(capacity: 4);
        var first = Request(1);
        queue.TryEnqueue(first);
        using var stopping = new CancellationTokenSource();

        // Taken, the run waits for more until the first has waited the delay; the silo stops meanwhile. The request is no
        // longer in the queue, so closing the queue does not end it: a run that lost it left its caller waiting for good.
        var taking = queue.TakeAsync(maxRequests: 8, maxMessages: 100, TimeSpan.FromHours(1), stopping.Token);
        await stopping.CancelAsync();

        Assert.Equal([first], (await taking).Requests);
    }

    [Fact]
    public async Task A_run_takes_requests_up_to_its_message_bound_and_leaves_the_rest_queued()
    {
        var queue = new ScoringQueue(capacity: 8);
        ScoringRequest[] requests = [Request(3), Request(3), Request(3), Request(10)];
        foreach (var request in requests)
        {
            queue.TryEnqueue(request);
        }

        Assert.Equal(requests[..2], (await queue.TakeAsync(8, maxMessages: 7, TimeSpan.Zero, CancellationToken.None)).Requests);
        Assert.Equal(requests[2..3], (await queue.TakeAsync(8, maxMessages: 7, TimeSpan.Zero, CancellationToken.None)).Requests);
        // Larger than the bound alone: it still runs, alone.
        Assert.Equal(requests[3..], (await queue.TakeAsync(8, maxMessages: 7, TimeSpan.Zero, CancellationToken.None)).Requests);
    }

    [Fact]
    public void A_run_scores_requests_on_one_index_together_and_gives_each_its_own_pairs()
    {
        var index = Index("i", 2);
        var calls = 0;
        // Every (message, interest) pair matches, scored by its position in the concatenated batch.
        var run = new ScoringRun((messages, interests) =>
        {
            calls++;
            return Enumerable.Range(0, messages.Count).SelectMany(m => Enumerable.Range(0, interests.Count)
                .Select(i => new RowMatch(m, i, m * 10 + i, 0, []))).ToList();
        }, Dimension);
        ScoringRequest[] requests = [Request(2, index: index), Request(1, index: index), Request(3, index: index)];

        var groups = ScoringRun.ByIndex([.. requests, Request(1)]).ToArray();
        Assert.Equal(2, groups.Length);
        run.Execute(groups[0]);

        Assert.Equal(1, calls);
        Assert.Equal([(0, 0, 0f), (0, 1, 1f), (1, 0, 10f), (1, 1, 11f)], Pairs(requests[0]));
        Assert.Equal([(0, 0, 20f), (0, 1, 21f)], Pairs(requests[1]));
        Assert.Equal([30f, 31f, 40f, 41f, 50f, 51f], Pairs(requests[2]).Select(p => p.Item3));
        Assert.Equal([0, 0, 1, 1, 2, 2], Pairs(requests[2]).Select(p => p.Item1));
    }

    [Fact]
    public async Task A_run_of_one_request_gives_it_the_scorers_pairs_as_they_are()
    {
        List<RowMatch> scored = [new RowMatch(0, 0, 0.5f, 0.1f, []), new RowMatch(1, 0, 0.7f, 0.2f, [])];
        var run = new ScoringRun((_, _) => scored, Dimension);
        var request = Request(2, index: Index("i", 1));

        run.Execute([request]);

        Assert.Same(scored, await request.Completion.Task);
    }

    [Fact]
    public void A_run_that_throws_fails_its_requests()
    {
        var run = new ScoringRun((_, _) => throw new InvalidOperationException("poison"), Dimension);
        var index = Index("i", 1);
        ScoringRequest[] requests = [Request(1, index: index), Request(2, index: index)];
        run.Execute(requests);
        Assert.All(requests, r => Assert.IsType<InvalidOperationException>(r.Completion.Task.Exception!.InnerException));
    }

    private static (int, int, float)[] Pairs(ScoringRequest request)
        => request.Completion.Task.Result.Select(p => (p.MessageIndex, p.InterestIndex, p.Score)).ToArray();

    private static ScoringRequest Request(int messages, CancellationToken cancellationToken = default, InterestIndex? index = null)
        => new(Enumerable.Range(0, messages).Select(_ => Row()).ToArray(), index ?? Index("r", 1), cancellationToken);

    private static InterestIndex Index(string prefix, int count, WordTable? words = null, float pooled = 1, string user = "user")
        => InterestIndex.FromRows(
            Enumerable.Range(0, count).Select(i => new InterestDefinition($"{prefix}{i}", $"{prefix}{i}", user, null)).ToArray(),
            Enumerable.Range(0, count).Select(i => Row(pooled + i)).ToArray(), Dimension, Options, words);

    /// <summary>A user's index of <paramref name="count"/> interests, each of one word no other change names.</summary>
    private static InterestIndex NewWords(int change, int count, WordTable words)
        => InterestIndex.FromRows(
            Enumerable.Range(0, count).Select(i => new InterestDefinition($"i{i}", $"word {change}/{i}", "user", null)).ToArray(),
            Enumerable.Range(0, count).Select(i => new EmbeddedText(NewWord(change, i), [1], [1, 0, 0, 0], ["w"])).ToArray(), Dimension, Options, words);

    private static float[] NewWord(int change, int i) => [1, change, i, 0];

    private static EmbeddedText Row(float pooled = 1) => new([1, 0, 0, 0], [1], [pooled, 0, 0, 0], ["t"]);

    private static float[]? ArrayOf(ReadOnlyMemory<float> rows) => MemoryMarshal.TryGetArray(rows, out var segment) ? segment.Array : null;
}
