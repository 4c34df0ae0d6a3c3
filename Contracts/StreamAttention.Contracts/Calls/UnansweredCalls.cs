using System.Collections.Concurrent;

namespace StreamAttention.Contracts.Calls;

/// <summary>
/// Grain calls that did not answer in time, by the grain they went to (a user id), each kept until it ends, whatever
/// its result. A caller skips a grain while its call is out: a grain is held up in a call of its own (a store call
/// that does not return), and a new call would only queue behind it.
/// Callers on both sides of the flow keep one (the ingest's user checks, the gateway's delivery decisions): hence here,
/// with the code every side shares, rather than beside the grains' contracts it calls.
/// </summary>
public sealed class UnansweredCalls
{
    private readonly ConcurrentDictionary<string, Task> _calls = new(StringComparer.Ordinal);

    /// <summary>Whether no call is kept (it takes all the dictionary's locks: read it once per batch, not per grain).</summary>
    public bool IsEmpty => _calls.IsEmpty;

    /// <summary>How many calls are kept (it takes all the dictionary's locks: for a metric's scrape, not per call).</summary>
    public int Count => _calls.Count;

    /// <summary>Whether the grain's unanswered call is still out.</summary>
    public bool IsOut(string key) => _calls.TryGetValue(key, out var call) && !call.IsCompleted;

    /// <summary>Keeps the call until it ends; its failure is observed here, as nobody else awaits it.</summary>
    public void Add(string key, Task call)
    {
        _calls[key] = call;
        _ = call.ContinueWith(static (ended, state) =>
        {
            _ = ended.Exception;
            var (calls, key) = ((ConcurrentDictionary<string, Task>, string))state!;
            calls.TryRemove(KeyValuePair.Create(key, ended));
        }, (_calls, key), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
