using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Testing;

/// <summary>Every message logged through it, with its level and category, from any thread.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<RecordedLog> _logs = new();

    public IReadOnlyList<RecordedLog> Logs => [.. _logs];

    public IEnumerable<string> Messages => _logs.Select(log => log.Message);

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(_logs, categoryName);

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(ConcurrentQueue<RecordedLog> logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => logs.Enqueue(new RecordedLog(logLevel, category, formatter(state, exception)));
    }
}

public sealed record RecordedLog(LogLevel Level, string Category, string Message);
