using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Faults injected into the silos' scoring gateway by a grain call filter: a message containing <see cref="PoisonWord"/>
/// makes its call throw, and <see cref="RefuseAsBusy"/> makes the next calls fail as a full scoring queue would.
/// </summary>
public sealed class ScoringFaults : IIncomingGrainCallFilter
{
    public const string PoisonWord = "poison";

    private int _busy;
    private int _refused;

    /// <summary>Calls refused as busy so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>The next <paramref name="calls"/> scoring calls throw <see cref="ScoringBusyException"/>.</summary>
    public void RefuseAsBusy(int calls) => Volatile.Write(ref _busy, calls);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.Grain is IScoringGatewayGrain && context.InterfaceMethod.Name == nameof(IScoringGatewayGrain.Score))
        {
            if (Interlocked.Decrement(ref _busy) >= 0)
            {
                Interlocked.Increment(ref _refused);
                throw new ScoringBusyException("injected: scoring queue full");
            }
            if (context.Request.GetArgument(0) is IReadOnlyList<string> texts && texts.Any(t => t.Contains(PoisonWord, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("injected: this batch holds a poisoned message");
            }
        }
        return context.Invoke();
    }
}
