using Microsoft.Extensions.Logging;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a logger provider to drop the host's own report of a start it could not make because the configuration was
/// refused ("Hosting failed to start", with the whole stack): the command says what is wrong in one line
/// (<see cref="ConfigurationErrors"/>), and the report printed kilobytes before it. Any other failure to start is logged.
/// </summary>
public sealed class RefusedConfigurationLogFilter(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == HostCategory ? new FilteringLogger(logger) : logger;
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    /// <summary>Whether the host reports a failure the command tells in its own line.</summary>
    public static bool IsRefusedConfiguration(Exception? exception) => exception is not null && ConfigurationErrors.Describe(exception) is not null;

    private sealed class FilteringLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsRefusedConfiguration(exception))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
