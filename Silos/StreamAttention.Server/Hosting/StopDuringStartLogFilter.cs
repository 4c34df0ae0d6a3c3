namespace StreamAttention.Server.Hosting;

/// <summary>
/// Wraps a logger provider to drop the host's report of a start that a stop cancelled ("Hosting failed to start", with
/// the cancellation's stack): that is no failure, and <see cref="StopDuringStart"/> says what happened in one line.
/// </summary>
/// <param name="services">The host's services, read when the host logs: its lifetime cannot be made before its loggers.</param>
/// <remarks>
/// The console provider's outermost wrapper (<c>StreamAttentionHost</c>), under the console's alias: the logging filter
/// rules select a provider by its type's alias, so <c>Logging:Console:LogLevel</c> still sets the console's levels.
/// </remarks>
[ProviderAlias("Console")]
public sealed class StopDuringStartLogFilter(ILoggerProvider inner, IServiceProvider services) : CategoryLogFilter(inner, RefusedConfigurationLogFilter.HostCategory)
{
    protected override bool Drops<TState>(EventId eventId, TState state, Exception? exception) => StopDuringStart.Is(exception, services);
}
