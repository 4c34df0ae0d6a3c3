using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a console formatter so that the parts of an entry besides its message, which
/// <see cref="ControlCharacterEscapingLogProvider"/> escapes, are escaped as well: the exception's text (a parse error
/// quoting its input, a message naming a caller's value) and the scopes' (a request's path). The simple format, which
/// the host sets, and the systemd one write them as they are, replacing at most "\n", so a carriage return or a line
/// separator there could forge a line. The JSON format needs none of it: its writer escapes every control character and
/// both separators in a string.
/// </summary>
public sealed class ControlCharacterEscapingConsoleFormatter(ConsoleFormatter inner) : ConsoleFormatter(inner.Name)
{
    /// <summary>The formatters, each wrapped but the JSON one.</summary>
    public static ConsoleFormatter[] Wrap(IEnumerable<ConsoleFormatter> formatters)
        => [.. formatters.Select(formatter => formatter.Name == ConsoleFormatterNames.Json ? formatter : new ControlCharacterEscapingConsoleFormatter(formatter))];

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        => inner.Write(
            new LogEntry<TState>(logEntry.LogLevel, logEntry.Category, logEntry.EventId, logEntry.State,
                logEntry.Exception is null ? null : new EscapedException(logEntry.Exception), logEntry.Formatter),
            scopeProvider is null ? null : new EscapedScopes(scopeProvider),
            textWriter);

    /// <summary>Written as its exception's text escaped ("\n" and tabs kept: the format lays out a stack trace itself).</summary>
    private sealed class EscapedException(Exception exception) : Exception(exception.Message, exception)
    {
        public override string ToString() => ControlCharacterEscapingLogProvider.Escape(InnerException!.ToString());
    }

    /// <summary>The scopes, each as its text escaped; "\n" is escaped too, which no format replaces in a scope.</summary>
    private sealed class EscapedScopes(IExternalScopeProvider inner) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
            => inner.ForEachScope((scope, callbackState) => callback(scope is null ? null : ControlCharacterEscapingLogProvider.EscapeLine(scope.ToString() ?? ""), callbackState), state);

        public IDisposable Push(object? state) => inner.Push(state);
    }
}
