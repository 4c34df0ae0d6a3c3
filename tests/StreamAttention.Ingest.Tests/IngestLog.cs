using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// What an in-process ingest host logged (from Debug up): a test can wait for an event of the consume loop (a pause,
/// partitions lost) to arrange the next fault, and a failed wait shows the log.
/// </summary>
public sealed class IngestLog : ILoggerProvider
{
    /// <summary>The last lines a failure message shows (a brokers-down test logs a connection error per broker and retry).</summary>
    private const int ShownLines = 200;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    /// <summary>Lines logged so far.</summary>
    public int Count => _lines.Count;

    /// <summary>
    /// How many lines after <paramref name="skip"/>, and before the first that contains <paramref name="until"/> when given,
    /// are warnings containing <paramref name="fragment"/>.
    /// </summary>
    public int Warnings(string fragment, int skip = 0, string? until = null)
        => _lines.Skip(skip).TakeWhile(line => until is null || !line.Contains(until, StringComparison.Ordinal))
            .Count(line => line.Contains($" {LogLevel.Warning} ", StringComparison.Ordinal) && line.Contains(fragment, StringComparison.Ordinal));

    /// <summary>How many lines logged so far contain <paramref name="fragment"/>.</summary>
    public int CountOf(string fragment) => _lines.Count(line => line.Contains(fragment, StringComparison.Ordinal));

    /// <summary>The position of the first line after <paramref name="skip"/> that contains <paramref name="fragment"/>; past the last line when none does.</summary>
    public int IndexOf(string fragment, int skip = 0)
        => skip + _lines.Skip(skip).TakeWhile(line => !line.Contains(fragment, StringComparison.Ordinal)).Count();

    /// <summary>Waits until a line containing <paramref name="fragment"/> is logged after <paramref name="skip"/> lines; returns the line count then.</summary>
    public async Task<int> WaitForAsync(string fragment, int skip = 0)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var lines = _lines.ToArray();
            if (lines.Skip(skip).Any(line => line.Contains(fragment, StringComparison.Ordinal)))
            {
                return lines.Length;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"The ingest never logged \"{fragment}\" within {Deadline}.\n{Tail()}");
        return 0;
    }

    /// <summary>The last lines logged, for a failure message.</summary>
    public string Tail()
    {
        var lines = _lines.ToArray();
        return $"Ingest log ({lines.Length} lines{(lines.Length > ShownLines ? $", the last {ShownLines}" : "")}):\n"
            + string.Join('\n', lines.TakeLast(ShownLines));
    }

    public void Dispose()
    {
    }

    private sealed class Logger(IngestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var error = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})";
            log._lines.Enqueue($"{log._clock.Elapsed.TotalSeconds,7:F3} {logLevel,-11} {category}: {formatter(state, exception)}{error}");
        }
    }
}
