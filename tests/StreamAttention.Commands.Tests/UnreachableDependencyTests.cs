using StackExchange.Redis;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// Redis that goes away after the start's check, while the silo joins: Orleans' clustering, storage or reminders report it
/// wrapped in their own exceptions, and the command tells it in one line as the check does (exit code 69).
/// </summary>
public sealed class UnreachableDependencyTests
{
    [Fact]
    public void Redis_lost_during_the_start_is_told_as_unreachable_however_Orleans_wraps_it()
    {
        var lost = new RedisConnectionException(ConnectionFailureType.UnableToConnect,
            "It was not possible to connect to the redis server(s). Error connecting right now. To allow this multiplexer to continue retrying …");
        const string expected = "Redis (Cluster:Redis) could not be reached: It was not possible to connect to the redis server(s).";

        Assert.Equal(expected, UnreachableDependencyException.Describe(lost));
        Assert.Equal(expected, UnreachableDependencyException.Describe(new Orleans.Runtime.OrleansException("Membership failed to start", lost)));
        Assert.Equal(expected, UnreachableDependencyException.Describe(new AggregateException(new InvalidOperationException("Error activating reminder service", lost))));
        // Any other failure keeps its own report.
        Assert.Null(UnreachableDependencyException.Describe(new InvalidOperationException("refused", new TimeoutException())));
        Assert.True(RefusedConfigurationLogFilter.IsToldInOneLine(lost));
    }
}
