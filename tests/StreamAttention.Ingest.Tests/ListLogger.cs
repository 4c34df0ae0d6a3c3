using Microsoft.Extensions.Logging;

namespace StreamAttention.Ingest.Tests;

/// <summary>A logger that adds each line, formatted, to <paramref name="lines"/>.</summary>
internal sealed class ListLogger(List<(LogLevel Level, string Text)> lines) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => lines.Add((logLevel, formatter(state, exception)));
}
