using System.Collections.Concurrent;
using Orleans.Runtime.Diagnostics;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// What a silo's stop still waits for, from Orleans' own diagnostic events: the silo lifecycle's participants that began
/// stopping and have not finished (each with its stage), and the silo's grains that began deactivating and have not
/// finished, as Orleans describes an activation, with the reason of its deactivation (a deactivation waits for the
/// requests the grain still runs, and for its <c>OnDeactivateAsync</c>). Followed from <see cref="Follow"/> on, of this
/// silo only (the events are the process's, and a test host may run several silos).
/// </summary>
public sealed class SiloStopProgress(SiloAddress silo) : IDisposable
{
    /// <summary>How many of the grains still deactivating are described: the first few tell what they wait for.</summary>
    public const int GrainsDescribed = 5;

    private readonly ConcurrentDictionary<(string Participant, string Stage), bool> _stopping = new();
    private readonly ConcurrentDictionary<IGrainContext, DeactivationReason> _deactivating = new();
    private readonly List<IDisposable> _subscriptions = [];

    /// <summary>Follows the silo's lifecycle and its grains' deactivations from now on (once).</summary>
    public void Follow()
    {
        lock (_subscriptions)
        {
            if (_subscriptions.Count == 0)
            {
                _subscriptions.Add(SiloLifecycleEvents.AllEvents.Subscribe(new Observer<SiloLifecycleEvents.LifecycleEvent>(OnSiloEvent)));
                _subscriptions.Add(GrainLifecycleEvents.AllEvents.Subscribe(new Observer<GrainLifecycleEvents.LifecycleEvent>(OnGrainEvent)));
            }
        }
    }

    /// <summary>The participants still stopping, as "name (stage)".</summary>
    public IReadOnlyList<string> Stopping => _stopping.Keys.Select(s => $"{s.Participant} ({s.Stage})").Order(StringComparer.Ordinal).ToArray();

    /// <summary>The grains still deactivating, as Orleans describes them, each with its deactivation's reason.</summary>
    public IReadOnlyList<string> Deactivating => _deactivating.Select(d => $"{d.Key} ({d.Value.ReasonCode}: {d.Value.Description})").ToArray();

    /// <summary>One sentence for the deadline's line: what the stop was still waiting for.</summary>
    public string Describe()
    {
        var stopping = Stopping;
        var deactivating = Deactivating;
        var participants = stopping.Count == 0 ? "no lifecycle participant was stopping" : $"still stopping: {string.Join(", ", stopping)}";
        var grains = deactivating.Count == 0
            ? "no grain was deactivating"
            : $"{deactivating.Count} grains still deactivating, e.g. {string.Join(" ", deactivating.Take(GrainsDescribed))}";
        return $"{participants}; {grains}";
    }

    private void OnSiloEvent(SiloLifecycleEvents.LifecycleEvent e)
    {
        if (!silo.Equals(e.SiloAddress))
        {
            return;
        }
        switch (e)
        {
            case SiloLifecycleEvents.ObserverStopping stopping:
                _stopping[(stopping.ObserverName, stopping.StageName)] = true;
                break;
            case SiloLifecycleEvents.ObserverStopped stopped:
                _stopping.TryRemove((stopped.ObserverName, stopped.StageName), out _);
                break;
            case SiloLifecycleEvents.ObserverFailed failed:
                _stopping.TryRemove((failed.ObserverName, failed.StageName), out _);
                break;
        }
    }

    private void OnGrainEvent(GrainLifecycleEvents.LifecycleEvent e)
    {
        if (!silo.Equals(e.GrainContext.Address.SiloAddress))
        {
            return;
        }
        switch (e)
        {
            case GrainLifecycleEvents.Deactivating deactivating:
                _deactivating[e.GrainContext] = deactivating.Reason;
                break;
            case GrainLifecycleEvents.Deactivated:
                _deactivating.TryRemove(e.GrainContext, out _);
                break;
        }
    }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }
            _subscriptions.Clear();
        }
    }

    private sealed class Observer<T>(Action<T> onNext) : IObserver<T>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(T value) => onNext(value);
    }
}
