using System.Buffers;
using System.Text;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a logger provider so that a message's control characters (a carriage return, an escape, a line separator) are
/// written as escapes (<c>\r</c>, <c>\u001B</c>): a value that a producer or caller chose, such as a Kafka message's id
/// or a dead letter's header, can then neither forge a line that looks like the service's own (the console's
/// single-line format replaces only "\n") nor move a terminal's cursor or change its colours. "\n" and tabs pass: the
/// console's format writes them on one line itself.
/// </summary>
public sealed class ControlCharacterEscapingLogProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new EscapingLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    /// <summary><paramref name="message"/> with its control characters escaped; itself when it has none.</summary>
    public static string Escape(string message)
    {
        if (!message.AsSpan().ContainsAny(Escaped))
        {
            return message;
        }
        var escaped = new StringBuilder(message.Length + 16);
        foreach (var character in message)
        {
            if (!Escaped.Contains(character))
            {
                escaped.Append(character);
            }
            else if (character == '\r')
            {
                escaped.Append("\\r");
            }
            else
            {
                escaped.Append("\\u").Append(((int)character).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return escaped.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> with its control characters escaped, "\n" too: for text written where nothing lays out its
    /// line breaks (a console format's scope, a command's line on stderr).
    /// </summary>
    public static string EscapeLine(string text) => Escape(text).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>The control characters (C0 and C1, as <see cref="char.IsControl(char)"/>) but "\n" and tabs, and the line and paragraph separators: one vectorized search per line, which finds none in nearly every line.</summary>
    private static readonly SearchValues<char> Escaped = SearchValues.Create(
        [.. Enumerable.Range(0, 0xA0).Select(code => (char)code).Where(character => char.IsControl(character) && character is not ('\n' or '\t')), '\u2028', '\u2029']);

    private sealed class EscapingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => inner.Log(logLevel, eventId, state, exception, (values, error) => Escape(formatter(values, error)));
    }
}
