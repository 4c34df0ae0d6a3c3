using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Faults injected into the silos' scoring gateway by a grain call filter: a message containing <see cref="PoisonWord"/>
/// makes its call throw, <see cref="RefuseAsBusy"/> makes the next calls fail as a full scoring queue would,
/// <see cref="HoldScoring"/> makes calls wait, as slow silos would, until <see cref="ReleaseScoring"/> (<see cref="HoldScoringOf"/>:
/// only the calls of texts holding a word), and
/// <see cref="FailUser"/> makes every call to one user's grain throw as a grain that cannot activate does, and
/// <see cref="TimeOutDecisions"/> makes a user's next decisions time out as calls the cluster could not carry, and
/// <see cref="HoldDecisions"/> makes a user's grain hang in its decisions until <see cref="ReleaseDecisions"/>, and
/// <see cref="StartStorageOutage"/> makes scoring calls fail as a grain whose Redis does not answer does, until <see cref="EndStorageOutage"/>, and
/// <see cref="StartFeedStorageOutage"/> makes the live feed's erasure check (<see cref="IMatchFeedGrain.ErasedAfter"/>, and its mark) fail so, until <see cref="EndFeedStorageOutage"/>, and
/// <see cref="ErasureMarksFail"/> makes the erasure mark fail as no retry handles, failing every batch with a message to score.
/// </summary>
public sealed class ScoringFaults : IIncomingGrainCallFilter
{
    public const string PoisonWord = "poison";

    private int _busy;
    private int _refused;
    private volatile bool _storageOutage;
    private volatile bool _feedStorageOutage;
    private volatile bool _erasureMarksFail;
    private TaskCompletionSource? _held;
    private volatile string? _heldWord;
    private TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private volatile string? _failingUser;

    private volatile string? _failingDecisionsUser;
    private volatile bool _incarnationLookupsFail;
    private int _failedDecisions;

    private volatile string? _timingOutUser;
    private int _decisionTimeouts;

    private volatile string? _holdingUser;
    private TaskCompletionSource? _heldDecisions;

    /// <summary>Calls refused as busy so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>The next <paramref name="calls"/> scoring calls throw <see cref="ScoringBusyException"/>.</summary>
    public void RefuseAsBusy(int calls) => Volatile.Write(ref _busy, calls);

    /// <summary>Scoring calls from now on throw <see cref="StorageUnavailableException"/>, until <see cref="EndStorageOutage"/>.</summary>
    public void StartStorageOutage() => _storageOutage = true;

    public void EndStorageOutage() => _storageOutage = false;

    /// <summary>
    /// <see cref="IMatchFeedGrain.CurrentErasureMark"/> and <see cref="IMatchFeedGrain.ErasedAfter"/> calls from now on throw <see cref="StorageUnavailableException"/> (the feed
    /// grain's activation could not read its erasures), until <see cref="EndFeedStorageOutage"/>.
    /// </summary>
    public void StartFeedStorageOutage() => _feedStorageOutage = true;

    public void EndFeedStorageOutage() => _feedStorageOutage = false;

    /// <summary>
    /// Whether <see cref="IMatchFeedGrain.CurrentErasureMark"/> calls throw what no retry handles (a bug's
    /// <see cref="InvalidOperationException"/>, its message quoting <see cref="PoisonWord"/>): a batch asking for it fails.
    /// </summary>
    public bool ErasureMarksFail { set => _erasureMarksFail = value; }

    /// <summary>Scoring calls from now on wait until <see cref="ReleaseScoring"/>.</summary>
    public void HoldScoring()
    {
        _heldWord = null;
        Volatile.Write(ref _held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Scoring calls from now on of texts holding <paramref name="word"/> wait until <see cref="ReleaseScoring"/>; the task completes when one waits.</summary>
    public Task HoldScoringOf(string word)
    {
        _holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _heldWord = word;
        Volatile.Write(ref _held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return _holding.Task;
    }

    public void ReleaseScoring() => Interlocked.Exchange(ref _held, null)?.TrySetResult();

    /// <summary>
    /// Every call to the grain of user <paramref name="userId"/> throws from now on (null: none) what a grain whose state
    /// cannot be read throws: a plain <see cref="OrleansException"/> around the storage's error.
    /// </summary>
    public void FailUser(string? userId) => _failingUser = userId;

    /// <summary>
    /// <see cref="IUserGrain.Decide"/> calls to the grain of user <paramref name="userId"/> throw from now on as
    /// <see cref="FailUser"/>'s do (null: none); its other calls (an erasure) are answered.
    /// </summary>
    public void FailDecisions(string? userId) => _failingDecisionsUser = userId;

    /// <summary>How many decisions <see cref="FailDecisions"/> has failed so far.</summary>
    public int FailedDecisions => Volatile.Read(ref _failedDecisions);

    /// <summary>Whether <see cref="IScoringShardGrain.IncarnationOf"/> calls throw, as a shard whose storage cannot be read does.</summary>
    public bool IncarnationLookupsFail { set => _incarnationLookupsFail = value; }

    /// <summary>
    /// The next <paramref name="calls"/> <see cref="IUserGrain.Decide"/> calls to the grain of user <paramref name="userId"/>
    /// throw what a call whose answer did not come back in time throws (<see cref="TimeoutException"/>).
    /// </summary>
    public void TimeOutDecisions(string userId, int calls)
    {
        Volatile.Write(ref _decisionTimeouts, calls);
        _timingOutUser = userId;
    }

    /// <summary>
    /// <see cref="IUserGrain.Decide"/> calls to the grain of user <paramref name="userId"/> from now on wait in the grain,
    /// which takes no other call meanwhile, until <see cref="ReleaseDecisions"/>: a grain hung in a call that does not return.
    /// </summary>
    public void HoldDecisions(string userId)
    {
        Volatile.Write(ref _heldDecisions, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _holdingUser = userId;
    }

    public void ReleaseDecisions()
    {
        _holdingUser = null;
        Interlocked.Exchange(ref _heldDecisions, null)?.TrySetResult();
    }

    /// <summary>How many of the decisions <see cref="TimeOutDecisions"/> named have not been asked for yet.</summary>
    public int DecisionTimeoutsLeft => Math.Max(0, Volatile.Read(ref _decisionTimeouts));

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.Grain is IScoringGatewayGrain && context.InterfaceMethod.Name == nameof(IScoringGatewayGrain.Score))
        {
            if (Volatile.Read(ref _held) is { } held
                && (_heldWord is not { } word || context.Request.GetArgument(0) is IReadOnlyList<string> heldTexts && heldTexts.Any(t => t.Contains(word, StringComparison.Ordinal))))
            {
                _holding.TrySetResult();
                await held.Task;
            }
            if (Interlocked.Decrement(ref _busy) >= 0)
            {
                Interlocked.Increment(ref _refused);
                throw new ScoringBusyException("injected: scoring queue full");
            }
            if (_storageOutage)
            {
                throw new StorageUnavailableException("injected: the grain's storage did not answer");
            }
            if (context.Request.GetArgument(0) is IReadOnlyList<string> texts && texts.Any(t => t.Contains(PoisonWord, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("injected: this batch holds a poisoned message");
            }
        }
        if (context.Grain is IMatchFeedGrain && context.InterfaceMethod.Name is nameof(IMatchFeedGrain.CurrentErasureMark) or nameof(IMatchFeedGrain.ErasedAfter) && _feedStorageOutage)
        {
            throw new StorageUnavailableException("injected: the feed grain's storage did not answer");
        }
        if (context.Grain is IMatchFeedGrain && context.InterfaceMethod.Name == nameof(IMatchFeedGrain.CurrentErasureMark) && _erasureMarksFail)
        {
            throw new InvalidOperationException($"injected: the feed grain failed on a {PoisonWord} message");
        }
        if (context.Grain is IUserGrain && context.InterfaceMethod.Name == nameof(IUserGrain.Decide) && context.TargetId.Key.ToString() == _holdingUser
            && Volatile.Read(ref _heldDecisions) is { } heldDecisions)
        {
            await heldDecisions.Task;
        }
        if (context.Grain is IUserGrain && context.InterfaceMethod.Name == nameof(IUserGrain.Decide) && context.TargetId.Key.ToString() == _timingOutUser
            && Interlocked.Decrement(ref _decisionTimeouts) >= 0)
        {
            throw new TimeoutException("injected: the user's decision did not answer in time");
        }
        if (context.Grain is IScoringShardGrain && context.InterfaceMethod.Name == nameof(IScoringShardGrain.IncarnationOf) && _incarnationLookupsFail)
        {
            throw new OrleansException("injected: the shard cannot activate", new IOException("injected storage read failure"));
        }
        if (context.Grain is IUserGrain && context.InterfaceMethod.Name == nameof(IUserGrain.Decide) && context.TargetId.Key.ToString() == _failingDecisionsUser)
        {
            Interlocked.Increment(ref _failedDecisions);
            throw new OrleansException("injected: this user's grain cannot decide", new IOException("injected storage write failure"));
        }
        if (context.Grain is IUserGrain && context.TargetId.Key.ToString() == _failingUser)
        {
            throw new OrleansException("injected: this user's grain cannot activate", new IOException("injected storage read failure"));
        }
        await context.Invoke();
    }
}
