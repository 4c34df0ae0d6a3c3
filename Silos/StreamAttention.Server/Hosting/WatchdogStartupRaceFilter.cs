using System.Diagnostics;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a logger provider to drop one impossible Orleans warning. Orleans' watchdog starts its platform thread before
/// it stamps the time of the last participant check; when that thread runs first (a busy machine at start-up), it
/// measures the "stall" from timestamp 0, i.e. the machine's uptime, and warns of lock contention or deadlock that never
/// happened. A stall longer than this process has lived cannot be real, so exactly those messages are dropped; every
/// other message, real watchdog stalls included, passes on.
/// </summary>
public sealed class WatchdogStartupRaceFilter(ILoggerProvider inner) : CategoryLogFilter(inner, WatchdogCategory)
{
    public const string WatchdogCategory = "Orleans.Runtime.Watchdog";

    /// <summary>Orleans' <c>ErrorCode.SiloHeartbeatTimerStalled</c>, the event id of both watchdog stall warnings.</summary>
    public const int StallEventId = 100150;

    private static readonly DateTime ProcessStartedUtc = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    /// <summary>True for a stall warning whose measured stall is longer than the process has been running.</summary>
    public static bool IsImpossibleStall<TState>(EventId eventId, TState state, DateTime nowUtc) =>
        eventId.Id == StallEventId
        && state is IEnumerable<KeyValuePair<string, object?>> values
        && values.Any(value => value.Value is TimeSpan stall && stall > nowUtc - ProcessStartedUtc);

    protected override bool Drops<TState>(EventId eventId, TState state, Exception? exception) => IsImpossibleStall(eventId, state, DateTime.UtcNow);
}
