using System.Collections;

namespace StreamAttention.Contracts.Users;

/// <summary>
/// The decisions of one <see cref="Grains.IUserGrain.Decide"/> call, in the order of its matches. Sealed and immutable
/// so that Orleans hands it to a caller in the same silo as it is: a list or an array as the return type is deep-copied
/// with every response, and the gateway makes one such call per matched user and batch (~700 a message at 100,000
/// interests).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.MatchDecisions")]
public sealed class MatchDecisions(MatchDecision[] decisions) : IReadOnlyList<MatchDecision>
{
    [Id(0)]
    private readonly MatchDecision[] _decisions = decisions;

    public MatchDecision this[int index] => _decisions[index];

    public int Count => _decisions.Length;

    public IEnumerator<MatchDecision> GetEnumerator() => ((IEnumerable<MatchDecision>)_decisions).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
