using System.Collections;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Wraps a logger provider so that the scopes it writes leave the user's id out of a request's path: ASP.NET Core
/// begins every request's scope with its <c>RequestPath</c>, which on a user's routes names the user
/// (<see cref="UserPaths"/>), and the console line and the OTLP log record write it whatever their message says. A
/// scope with a <c>RequestPath</c> is read as a copy with that value redacted, its text (what the console writes) too;
/// every other scope passes as it is.
/// </summary>
public class RequestPathScopeRedaction(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    /// <summary>The key of ASP.NET Core's request scope that holds the path.</summary>
    public const string RequestPathKey = "RequestPath";

    public ILogger CreateLogger(string categoryName) => inner.CreateLogger(categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
        => (inner as ISupportExternalScope)?.SetScopeProvider(new RedactedScopes(scopeProvider));

    public void Dispose() => inner.Dispose();

    private sealed class RedactedScopes(IExternalScopeProvider inner) : IExternalScopeProvider
    {
        public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
            => inner.ForEachScope((scope, callbackState) => callback(Redacted(scope), callbackState), state);

        public IDisposable Push(object? state) => inner.Push(state);

        private static object? Redacted(object? scope)
        {
            if (scope is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(value => value.Key == RequestPathKey).Value is string path
                && UserPaths.Redact(path) is var redacted && redacted != path)
            {
                return new RedactedScope(
                    [.. values.Select(value => value.Key == RequestPathKey ? new KeyValuePair<string, object?>(RequestPathKey, redacted) : value)],
                    scope.ToString()?.Replace(path, redacted, StringComparison.Ordinal));
            }
            return scope;
        }
    }

    /// <summary>A scope's values with its path redacted, written as the scope's own text with the path redacted.</summary>
    private sealed class RedactedScope(KeyValuePair<string, object?>[] values, string? text) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Length;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string? ToString() => text;
    }
}
