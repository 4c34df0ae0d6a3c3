using Orleans.Concurrency;
using StreamAttention.Contracts.Live;

namespace StreamAttention.Contracts.Grains;

/// <summary>A silo's receiver of the live match feed.</summary>
[Alias("StreamAttention.IMatchFeedObserver")]
public interface IMatchFeedObserver : IGrainObserver
{
    [OneWay, Alias("OnMatches")]
    Task OnMatches(IReadOnlyList<LiveMatch> matches);
}
