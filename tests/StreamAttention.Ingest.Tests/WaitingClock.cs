using Microsoft.Extensions.Time.Testing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// A fake clock that tells when a wait (a timer) starts and moves on only until the next one fires: the retries go
/// on from a fired wait on another thread, so the clock must not move on before they are waiting again.
/// </summary>
internal sealed class WaitingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly SemaphoreSlim _started = new(0);
    private int _fired;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(s =>
        {
            Interlocked.Increment(ref _fired);
            callback(s);
        }, state, dueTime, period);
        _started.Release();
        return timer;
    }

    /// <summary>Waits fired so far.</summary>
    public int Fired => Volatile.Read(ref _fired);

    /// <summary>Waits until a wait started (false) or <paramref name="call"/> ended (true).</summary>
    public async Task<bool> WaitingAsync(Task call) => await Task.WhenAny(call, _started.WaitAsync()) == call;

    /// <summary>Moves the clock on 100 ms at a time (every wait is a multiple of it) until a wait fires; at most a minute.</summary>
    public void FireNext()
    {
        var fired = Volatile.Read(ref _fired);
        for (var step = 0; Volatile.Read(ref _fired) == fired; step++)
        {
            Assert.True(step < 600, "No wait fired within a minute");
            Advance(TimeSpan.FromMilliseconds(100));
        }
    }
}
