namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a logger provider to drop some messages of one category (<see cref="Drops"/>); every other message, and
/// every other category, passes on unchanged.
/// </summary>
public abstract class CategoryLogFilter(ILoggerProvider inner, string category) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == category ? new FilteringLogger(logger, this) : logger;
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    /// <summary>Whether the category's message is dropped.</summary>
    protected abstract bool Drops<TState>(EventId eventId, TState state, Exception? exception);

    private sealed class FilteringLogger(ILogger inner, CategoryLogFilter filter) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!filter.Drops(eventId, state, exception))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
