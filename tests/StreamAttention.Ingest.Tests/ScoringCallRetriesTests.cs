using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

/// <summary>The ingest's retries of its scoring calls, on a fake clock: which failures are asked again, after which waits, until when.</summary>
public sealed class ScoringCallRetriesTests
{
    private readonly WaitingClock _time = new(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly List<(LogLevel Level, string Text)> _lines = [];
    private readonly List<TimeSpan> _calls = [];

    private ScoringCallRetries Retries(TimeSpan retryTimeout, int attempts = 3)
        => new(Microsoft.Extensions.Options.Options.Create(new KafkaIngestOptions { ScoringRetryTimeout = retryTimeout, ScoringAttempts = attempts }), _time, new ListLogger(_lines));

    /// <summary>A call that fails with each of <paramref name="failures"/> in turn, then answers 42; each call's time since the start is recorded.</summary>
    private Func<CancellationToken, Task<int>> Call(params Exception[] failures)
    {
        var start = _time.GetUtcNow();
        return _ =>
        {
            _calls.Add(_time.GetUtcNow() - start);
            return _calls.Count <= failures.Length ? Task.FromException<int>(failures[_calls.Count - 1]) : Task.FromResult(42);
        };
    }

    /// <summary>Lets the retries wait and the clock fire each of their waits until the call ends.</summary>
    private async Task RunOutAsync(Task call)
    {
        while (!await _time.WaitingAsync(call))
        {
            _time.FireNext();
        }
    }

    private static TimeSpan[] Milliseconds(params int[] values) => values.Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();

    [Fact]
    public async Task An_unavailable_cluster_is_asked_again_with_backoff_until_the_next_wait_would_pass_the_retry_timeout()
    {
        var retries = Retries(TimeSpan.FromSeconds(1));

        var call = retries.ExecuteAsync(Call([.. Enumerable.Range(0, 100).Select(_ => new TimeoutException("no answer"))]), ClusterFailures.IsUnavailable, CancellationToken.None);
        await RunOutAsync(call);

        // Waits of 100, 200 and 400 ms; the next, 800 ms, would end at 1.5 s, past the 1 s timeout.
        Assert.Equal(Milliseconds(0, 100, 300, 700), _calls);
        Assert.Equal("no answer", (await Assert.ThrowsAsync<TimeoutException>(() => call)).Message);
        Assert.Equal(
            [
                (LogLevel.Warning, "Scoring call failed (attempt 1: cluster unavailable), retrying in 00:00:00.1000000: no answer"),
                (LogLevel.Warning, "Scoring call failed (attempt 2: cluster unavailable), retrying in 00:00:00.2000000: no answer"),
                (LogLevel.Warning, "Scoring call failed (attempt 3: cluster unavailable), retrying in 00:00:00.4000000: no answer"),
            ],
            _lines);
    }

    [Fact]
    public async Task A_busy_silo_is_asked_again_past_the_retry_timeout_with_a_backoff_of_its_own_and_the_retries_say_busy_while_they_wait()
    {
        var retries = Retries(TimeSpan.FromSeconds(1));
        var busy = new ScoringBusyException("queue full");

        var call = retries.ExecuteAsync(Call(busy, new TimeoutException("no answer"), busy, busy, busy, busy, busy), ClusterFailures.IsUnavailable, CancellationToken.None);
        await _time.WaitingAsync(call);
        var busyWhileWaiting = retries.Busy;
        _time.FireNext();
        await _time.WaitingAsync(call);
        var busyAfterAFailure = retries.Busy;
        _time.FireNext();
        await RunOutAsync(call);

        Assert.Equal(42, await call);
        // Busy waits 100 ms, then the failure its own first wait (100 ms), then busy goes on with 200, 400, 800, 1,600
        // and 2,000 ms (the most): answered at 5.2 s, past the 1 s retry timeout, which only bounds failures.
        Assert.Equal(Milliseconds(0, 100, 200, 400, 800, 1600, 3200, 5200), _calls);
        Assert.Equal((true, false, false), (busyWhileWaiting, busyAfterAFailure, retries.Busy));
        Assert.Equal([(LogLevel.Warning, "Scoring call failed (attempt 2: cluster unavailable), retrying in 00:00:00.1000000: no answer")], _lines);
    }

    [Fact]
    public async Task A_refusal_is_asked_again_ScoringAttempts_times_in_all_and_the_clusters_unavailability_between_does_not_count()
    {
        var retries = Retries(TimeSpan.FromMinutes(2), attempts: 3);
        var refused = new InvalidOperationException("refused");
        var unavailable = new TimeoutException("no answer");

        var call = retries.ExecuteAsync(Call(unavailable, refused, unavailable, refused, refused, refused), ClusterFailures.IsUnavailable, CancellationToken.None);
        await RunOutAsync(call);

        Assert.Same(refused, await Assert.ThrowsAsync<InvalidOperationException>(() => call));
        Assert.Equal(Milliseconds(0, 100, 300, 700, 1500), _calls);
    }

    /// <summary>
    /// Orleans takes a grain call's completion source from a pool of the thread that makes the call and gives it back to the
    /// pool of the thread that reads the answer. The consume loop's own thread made each batch's first call (the erasure
    /// mark) and never read an answer, so it took a new one every batch and the pool threads' pools kept them, for as long
    /// as those threads live (docs/benchmarks.md, "Soak: local mode"). A call is therefore made on a thread-pool thread.
    /// </summary>
    [Fact]
    public async Task A_call_asked_on_a_thread_of_its_own_is_made_on_a_thread_pool_thread()
    {
        var retries = Retries(TimeSpan.FromSeconds(1));
        var madeOnThreadPool = new List<bool>();
        Task<int>? call = null;
        var consumeLoop = new Thread(() => call = retries.ExecuteAsync(_ =>
        {
            lock (madeOnThreadPool)
            {
                madeOnThreadPool.Add(Thread.CurrentThread.IsThreadPoolThread);
            }
            return Task.FromResult(42);
        }, ClusterFailures.IsUnavailable, CancellationToken.None));
        consumeLoop.Start();
        consumeLoop.Join();

        Assert.Equal(42, await call!);
        Assert.Equal([true], madeOnThreadPool);
    }
}
