namespace StreamAttention.Server.Hosting;

/// <summary>
/// A hosted service that the host's stop reaches only once its start began. After a stop during the start
/// (<see cref="StopDuringStart"/>) the host stops every hosted service, and one whose start never came refuses: an
/// Orleans silo not yet running throws, the Kafka ingest waits for a loop it never began. What began its start stops,
/// the service whose start the stop cancelled included: its start may have begun work that only its stop ends (the
/// word vectors' preparation goes on, downloading, past a cancelled wait for it). The silo's start is not cancelled by the stop: Orleans
/// ends a cancelled join with a non-graceful stop that logs errors and stacks; the silo joins (within Orleans' own join
/// limits), the next service's start sees the stop, and the silo leaves the cluster gracefully.
/// </summary>
internal sealed class StartedServiceStop(IHostedService service, bool disposesService) : IHostedService, IAsyncDisposable, IDisposable
{
    /// <summary>Whether the service is the Orleans silo's, whose start finishes whatever the stop.</summary>
    private readonly bool _startsSilo = service.GetType().Assembly == typeof(Orleans.Runtime.Silo).Assembly;

    private volatile bool _startBegan;

    /// <summary>
    /// Wraps each hosted service of <paramref name="services"/>, but a <see cref="BackgroundService"/> (the host watches
    /// its work, and its stop is a no-op before its start) or an <see cref="IHostedLifecycleService"/> (the host calls
    /// its further steps). Call last, before the host is built.
    /// </summary>
    public static void Apply(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i] is { ServiceType: var type, IsKeyedService: false, Lifetime: ServiceLifetime.Singleton } registration && type == typeof(IHostedService))
            {
                services[i] = ServiceDescriptor.Singleton<IHostedService>(provider => Wrap(provider, registration));
            }
        }
    }

    private static IHostedService Wrap(IServiceProvider provider, ServiceDescriptor registration)
    {
        // The container disposed what it made for the registration; it now disposes the wrapper, which passes that on.
        var (service, made) = registration switch
        {
            { ImplementationInstance: IHostedService instance } => (instance, false),
            { ImplementationFactory: { } factory } => ((IHostedService)factory(provider), true),
            _ => ((IHostedService)ActivatorUtilities.CreateInstance(provider, registration.ImplementationType!), true),
        };
        return service is BackgroundService or IHostedLifecycleService ? service : new StartedServiceStop(service, made);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _startBegan = true;
        return service.StartAsync(_startsSilo ? CancellationToken.None : cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _startBegan ? service.StopAsync(cancellationToken) : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (!disposesService)
        {
            return;
        }
        if (service is IAsyncDisposable asynchronous)
        {
            await asynchronous.DisposeAsync();
        }
        else
        {
            (service as IDisposable)?.Dispose();
        }
    }

    public void Dispose()
    {
        if (disposesService)
        {
            (service as IDisposable)?.Dispose();
        }
    }
}
