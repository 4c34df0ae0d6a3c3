using System.Net;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>A silo that leaves the cluster gracefully (scale-in) serves what Orleans still routes to it, and takes no other silo's grain.</summary>
public sealed class SiloLeaveTests
{
    [Fact]
    public async Task A_leaving_silo_scores_the_calls_that_reach_it_while_its_grains_are_still_active()
    {
        const string user = "leave-scorer";
        var scoredWhileLeaving = new TaskCompletionSource<IReadOnlyList<TextMatch>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore(), silos: 1, configure: silo => silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(
            provider => new ScoreAsTheSiloStops(provider.GetRequiredService<IGrainFactory>(), scoredWhileLeaving)));
        await cluster.Client.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);

        await cluster.StopSiloAsync(cluster.Silos[0]);

        // The call's own failure, if any, is thrown here: the batcher stopped before Orleans stopped routing to the shards.
        Assert.Contains(await scoredWhileLeaving.Task, m => m.UserId == user);
    }

    [Fact]
    public async Task The_scoring_grain_of_a_silo_that_is_not_active_is_activated_on_no_other_silo()
    {
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore(), silos: 1);
        var gone = SiloAddress.New(IPAddress.Loopback, 1, 1);

        await Assert.ThrowsAsync<SiloUnavailableException>(() => cluster.Client.GetGrain<ISiloScoringGrain>(gone.ToParsableString()).Score([], CancellationToken.None));

        var activations = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        Assert.DoesNotContain(activations, a => a.GrainId.Type.ToString() == "siloscoring");
    }

    /// <summary>
    /// Scores a message through the gateway when the silo starts to stop (<see cref="ServiceLifecycleStage.Active"/>,
    /// the first stage to stop, while Orleans still routes calls to the silo's grains), as an ingest's call in flight would.
    /// </summary>
    private sealed class ScoreAsTheSiloStops(IGrainFactory grains, TaskCompletionSource<IReadOnlyList<TextMatch>> scored) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle)
            => lifecycle.Subscribe(nameof(ScoreAsTheSiloStops), ServiceLifecycleStage.Active, _ => Task.CompletedTask, async _ =>
            {
                try
                {
                    scored.SetResult(await grains.GetGrain<IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage]));
                }
                catch (Exception e)
                {
                    scored.SetException(e);
                }
            });
    }
}
