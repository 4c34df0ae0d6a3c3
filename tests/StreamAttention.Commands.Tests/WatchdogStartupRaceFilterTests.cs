using Microsoft.Extensions.Logging;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

public sealed class WatchdogStartupRaceFilterTests
{
    private static readonly EventId Stall = new(WatchdogStartupRaceFilter.StallEventId);

    [Fact]
    public void A_stall_longer_than_the_process_has_lived_is_dropped_and_every_other_message_passes()
    {
        var inner = new RecordingLoggerProvider();
        using var filter = new WatchdogStartupRaceFilter(inner);
        var watchdog = filter.CreateLogger(WatchdogStartupRaceFilter.WatchdogCategory);
        var other = filter.CreateLogger("Orleans.Runtime.Silo");

        // Orleans' start-up race measures from timestamp 0: the machine's uptime, here longer than any process could live.
        watchdog.Log(LogLevel.Warning, Stall, Stalled(TimeSpan.FromDays(10_000)), null, (_, _) => "impossible stall");
        watchdog.Log(LogLevel.Warning, Stall, Stalled(TimeSpan.FromMilliseconds(2)), null, (_, _) => "real stall");
        watchdog.Log(LogLevel.Warning, new EventId(1), Stalled(TimeSpan.FromDays(10_000)), null, (_, _) => "another watchdog event");
        other.Log(LogLevel.Warning, Stall, Stalled(TimeSpan.FromDays(10_000)), null, (_, _) => "another category");

        Assert.Equal(["real stall", "another watchdog event", "another category"], inner.Messages);
    }

    [Fact]
    public void A_stall_is_impossible_only_when_it_is_longer_than_the_process_has_been_running()
    {
        // An hour after this process started: a stall of 59 minutes could have happened, one of 61 could not.
        var now = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime().AddHours(1);
        Assert.True(WatchdogStartupRaceFilter.IsImpossibleStall(Stall, Stalled(TimeSpan.FromMinutes(61)), now));
        Assert.False(WatchdogStartupRaceFilter.IsImpossibleStall(Stall, Stalled(TimeSpan.FromMinutes(59)), now));
        Assert.False(WatchdogStartupRaceFilter.IsImpossibleStall(Stall, Stalled(TimeSpan.Zero), now));
        Assert.False(WatchdogStartupRaceFilter.IsImpossibleStall(new EventId(1), Stalled(TimeSpan.FromMinutes(61)), now));
        Assert.False(WatchdogStartupRaceFilter.IsImpossibleStall(Stall, "no structured values", now));
    }

    /// <summary>The shape of a source-generated log message's state: its named values.</summary>
    private static List<KeyValuePair<string, object?>> Stalled(TimeSpan stall) => [new("TimeSinceLastTick", stall), new("{OriginalFormat}", "…")];
}
