namespace StreamAttention.Server.Hosting;

/// <summary>
/// A service a long-running command needs (Redis, for clustering or storage) that it could not reach as it started:
/// the command stops with one line naming it and the setting that names it (exit code <see cref="ExitCode"/>) instead
/// of an unhandled exception's stack, and an operator tells it from a bad setting (exit code 2).
/// </summary>
public sealed class UnreachableDependencyException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>sysexits' EX_UNAVAILABLE: a service the command needs is unavailable; starting again later may succeed.</summary>
    public const int ExitCode = 69;

    /// <summary>What could not be reached, when <paramref name="error"/> (or what it wraps) says a dependency was unreachable; otherwise null.</summary>
    public static string? Describe(Exception error) => error switch
    {
        UnreachableDependencyException unreachable => unreachable.Message,
        AggregateException { InnerExceptions: [var single] } => Describe(single),
        // Redis lost after the check (it went away while the silo joined): Orleans' clustering, storage or reminders
        // report it as theirs, wrapped or as text. Refused credentials are a setting (ConfigurationErrors).
        _ => RedisConnectionFailure.Find(error) is { RefusedCredentials: false } lost
            ? $"Redis (Cluster:Redis) could not be reached: {FirstSentence(lost.Message)}"
            : error.InnerException is { } inner ? Describe(inner) : null,
    };

    /// <summary>StackExchange.Redis's first sentence, without its advice on its own connection settings.</summary>
    private static string FirstSentence(string message) => message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? message[..(end + 1)] : message;
}
