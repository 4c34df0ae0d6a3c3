using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// How <see cref="ScoringGatewayClient"/> asks the silos again: one Polly pipeline of two retries, each with its own
/// backoff (<see cref="FirstRetryDelay"/> doubled at each of its retries, at most <see cref="MaxRetryDelay"/>, no jitter):
/// <list type="bullet">
/// <item>busy (<see cref="ScoringBusyException"/>: a silo's scoring queue is full), the inner one: asked again without
/// limit, and <see cref="Busy"/> while it waits;</item>
/// <item>any other failure, the outer one: asked again while its next wait ends before
/// <see cref="KafkaIngestOptions.ScoringRetryTimeout"/> after the first call (time spent busy included); a failure the
/// caller's <c>isUnavailable</c> does not name (the silos refused the messages) <see cref="KafkaIngestOptions.ScoringAttempts"/>
/// times at most. Each retry logs a warning.</item>
/// </list>
/// A call's counts (its calls, busy waits and refusals) live in its <see cref="ResilienceContext"/>, so neither kind's
/// backoff starts over when the other kind retries.
/// </summary>
public sealed class ScoringCallRetries
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private static readonly ResiliencePropertyKey<CallState> CallKey = new("streamattention.scoring-call");

    private readonly IOptions<KafkaIngestOptions> _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;
    private int _busyCalls;

    /// <param name="logger">The client's: its warnings keep their category.</param>
    public ScoringCallRetries(IOptions<KafkaIngestOptions> options, TimeProvider time, ILogger logger)
    {
        (_options, _time) = (options, time);
        _pipeline = new ResiliencePipelineBuilder { Name = "scoring-calls", TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                Name = "scoring-failed",
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && RetriesFailure(e, args.AttemptNumber, args.Context)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(args.AttemptNumber)),
                OnRetry = args =>
                {
                    logger.LogWarning("Scoring call failed (attempt {Attempt}: {Failure}), retrying in {Delay}: {Error}", StateOf(args.Context).Calls, ScoringFailures.Describe(args.Outcome.Exception!), args.RetryDelay, args.Outcome.Exception!.Message);
                    return default;
                },
            })
            // Not a failure: the silo is full; wait (the consume loop pauses meanwhile) and ask again.
            .AddRetry(new RetryStrategyOptions
            {
                Name = "scoring-busy",
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is ScoringBusyException && !args.Context.CancellationToken.IsCancellationRequested),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(StateOf(args.Context).BusyRetries)),
                OnRetry = args =>
                {
                    var state = StateOf(args.Context);
                    state.BusyRetries++;
                    state.WaitingBusy = true;
                    Interlocked.Increment(ref _busyCalls);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Whether some call is waiting because a silo's scoring queue was full.</summary>
    public bool Busy => Volatile.Read(ref _busyCalls) > 0;

    /// <summary>The call's answer, asked again as the class describes; the last failure when the retries end.</summary>
    /// <param name="isUnavailable">The failures retried until <see cref="KafkaIngestOptions.ScoringRetryTimeout"/>; others are
    /// tried <see cref="KafkaIngestOptions.ScoringAttempts"/> times.</param>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, Func<Exception, bool> isUnavailable, CancellationToken cancellationToken)
    {
        if (!Thread.CurrentThread.IsThreadPoolThread)
        {
            // Orleans takes a call's completion source from a pool of the calling thread and gives it back to the pool of
            // the thread that reads the answer (a pool thread). Made on the consume loop's own thread (a batch's first
            // call), every call took a new one and the pool threads kept them as long as they lived (docs/benchmarks.md,
            // "Soak: local mode").
            await Task.Yield();
        }
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var state = new CallState(_time.GetUtcNow() + _options.Value.ScoringRetryTimeout, isUnavailable);
        context.Properties.Set(CallKey, state);
        try
        {
            return await _pipeline.ExecuteAsync(async context =>
            {
                LeaveBusy(state);
                state.Calls++;
                return await call(context.CancellationToken);
            }, context);
        }
        finally
        {
            LeaveBusy(state);
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Whether a failure other than busy is asked again: not cancelled, the next wait ends before the deadline, and the cluster's unavailability or a refusal with attempts left.</summary>
    private bool RetriesFailure(Exception e, int retry, ResilienceContext context)
    {
        var state = StateOf(context);
        return !context.CancellationToken.IsCancellationRequested && _time.GetUtcNow() + Backoff(retry) < state.Deadline
            && (state.IsUnavailable(e) || ++state.Refusals < _options.Value.ScoringAttempts);
    }

    private void LeaveBusy(CallState state)
    {
        if (state.WaitingBusy)
        {
            state.WaitingBusy = false;
            Interlocked.Decrement(ref _busyCalls);
        }
    }

    /// <summary>The wait before a kind's retry number <paramref name="retry"/> (from 0): the deadline reads it before Polly waits it.</summary>
    private static TimeSpan Backoff(int retry) => TimeSpan.FromTicks(Math.Min(FirstRetryDelay.Ticks << Math.Min(retry, 16), MaxRetryDelay.Ticks));

    private static CallState StateOf(ResilienceContext context)
        => context.Properties.TryGetValue(CallKey, out var state) ? state : throw new InvalidOperationException("Not a scoring call's context.");

    /// <summary>One call's progress through its retries.</summary>
    private sealed class CallState(DateTimeOffset deadline, Func<Exception, bool> isUnavailable)
    {
        public DateTimeOffset Deadline { get; } = deadline;
        public Func<Exception, bool> IsUnavailable { get; } = isUnavailable;

        /// <summary>Calls made so far, busy ones included: the attempt a warning names.</summary>
        public int Calls { get; set; }
        public int BusyRetries { get; set; }

        /// <summary>Failures the call's <see cref="IsUnavailable"/> did not name.</summary>
        public int Refusals { get; set; }

        /// <summary>Counted in <see cref="Busy"/> until the next call starts or the retries end.</summary>
        public bool WaitingBusy { get; set; }
    }
}
