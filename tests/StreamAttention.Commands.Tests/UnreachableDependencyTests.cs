using Orleans.Reminders.Redis;
using StackExchange.Redis;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// Redis that goes away after the start's check, while the silo joins: Orleans' clustering, storage or reminders report it
/// wrapped in their own exceptions, and the command tells it in one line as the check does (exit code 69); so for a Redis
/// that began refusing the credentials (exit code 2). The texts are StackExchange.Redis's and Orleans' as a silo logged them.
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

    private const string RefusedCredentials = "It was not possible to connect to the redis server(s). There was an authentication failure; "
        + "check that passwords (or client certificates) are configured correctly: (RedisServerException) Error: WRONGPASS invalid username-password pair or user is disabled.";

    [Fact]
    public void Redis_lost_during_the_start_is_told_as_unreachable_also_as_the_reminder_table_reports_it()
    {
        // Orleans' Redis reminder table keeps only the failure's text, no inner exception: the silo ended with
        // "Unhandled exception" and its stack, exit code 1.
        var lost = new RedisRemindersException($"{typeof(RedisConnectionException).FullName}: It was not possible to connect to the redis server(s). "
            + "Error connecting right now. To allow this multiplexer to continue retrying until it's able to connect, use abortConnect=false …\n"
            + "   at Orleans.Reminders.Redis.RedisReminderTable.Init()");

        Assert.Equal("Redis (Cluster:Redis) could not be reached: It was not possible to connect to the redis server(s).",
            UnreachableDependencyException.Describe(new AggregateException(lost)));
        Assert.Null(ConfigurationErrors.Describe(lost));
    }

    [Fact]
    public void Credentials_refused_during_the_start_are_told_as_the_check_tells_them_however_Orleans_reports_them()
    {
        // The password changed (or the ACL user was disabled) after the start's check passed: told as "could not be
        // reached", exit code 69, which a restart never cures, or as an unhandled exception, exit code 1.
        var refused = new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, RefusedCredentials,
            new RedisServerException("Error: WRONGPASS invalid username-password pair or user is disabled."));
        const string expected = "Cluster:Redis: Redis refused the credentials (WRONGPASS invalid username-password pair or user is disabled.): "
            + "the password= (and user=) in Cluster:Redis are not the server's";

        Exception[] reports =
        [
            new Orleans.Runtime.OrleansException("Membership failed to start", refused),
            new RedisRemindersException($"{refused}\n   at Orleans.Reminders.Redis.RedisReminderTable.Init()"),
        ];
        foreach (var report in reports)
        {
            Assert.Equal(expected, ConfigurationErrors.Describe(report));
            Assert.Null(UnreachableDependencyException.Describe(report));
            Assert.True(RefusedConfigurationLogFilter.IsToldInOneLine(report));
        }
    }

    [Fact]
    public void A_connection_lost_during_the_handshake_is_told_as_unreachable_not_as_refused_credentials()
    {
        // StackExchange.Redis calls any failure of the handshake "an authentication failure"; this one, a connection
        // aborted (as a client logged it), was told as "Redis refused the credentials … the password= … are not the
        // server's", exit code 2, for a Redis that went away.
        const string aborted = "It was not possible to connect to the redis server(s). There was an authentication failure; "
            + "check that passwords (or client certificates) are configured correctly: (IOException) Unable to read data from the transport connection: Connection aborted.";
        Exception[] reports =
        [
            new Orleans.Runtime.OrleansException("Membership failed to start",
                new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, aborted, new IOException("Unable to read data from the transport connection: Connection aborted."))),
            new RedisRemindersException($"{typeof(RedisConnectionException).FullName}: {aborted}\n   at Orleans.Reminders.Redis.RedisReminderTable.Init()"),
        ];
        foreach (var report in reports)
        {
            Assert.Null(ConfigurationErrors.Describe(report));
            Assert.Equal("Redis (Cluster:Redis) could not be reached: It was not possible to connect to the redis server(s).", UnreachableDependencyException.Describe(report));
        }
    }
}
