namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a logger provider to drop the host's own report of a start it could not make because the configuration was
/// refused, or because a service it needs could not be reached ("Hosting failed to start", with the whole stack): the
/// command says what is wrong in one line (<see cref="ConfigurationErrors"/>, <see cref="UnreachableDependencyException"/>),
/// and the report printed kilobytes before it. Any other failure to start is logged.
/// </summary>
public sealed class RefusedConfigurationLogFilter(ILoggerProvider inner) : CategoryLogFilter(inner, HostCategory)
{
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>Whether the host reports a failure the command tells in its own line (a refused setting, an unreachable service).</summary>
    public static bool IsToldInOneLine(Exception? exception)
        => exception is not null && (ConfigurationErrors.Describe(exception) ?? UnreachableDependencyException.Describe(exception)) is not null;

    protected override bool Drops<TState>(EventId eventId, TState state, Exception? exception) => IsToldInOneLine(exception);
}
