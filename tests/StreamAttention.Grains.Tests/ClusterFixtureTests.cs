using Microsoft.Extensions.DependencyInjection;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// xUnit disposes a class fixture whose start threw, and reports what its disposal throws beside the start's exception:
/// a fixture whose cluster did not start disposes without an exception of its own (there is no cluster to stop).
/// </summary>
public sealed class ClusterFixtureTests
{
    [Fact]
    public async Task A_fixture_whose_cluster_did_not_start_disposes_without_an_exception_of_its_own()
    {
        var fixture = new FailingStart();
        var start = await Assert.ThrowsAnyAsync<Exception>(fixture.InitializeAsync);
        Assert.Contains(FailingStart.Reason, start.ToString(), StringComparison.Ordinal);

        await fixture.DisposeAsync();
    }

    /// <summary>No caller holds a cluster whose start threw: the silos that had started are disposed before the exception is thrown.</summary>
    [Fact]
    public async Task A_cluster_whose_second_silo_fails_to_start_disposes_the_silo_that_started()
    {
        var first = new SiloProbe();
        var configured = 0;
        var start = await Assert.ThrowsAnyAsync<Exception>(() => TestCluster.StartAsync(new SharedGrainStore(), silos: 2, configure: silo =>
            // Made by a factory, so that the silo's container disposes it with the silo.
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(_ => Interlocked.Increment(ref configured) == 1 ? first : new FailingStart.TimingOut())));
        Assert.Contains(FailingStart.Reason, start.ToString(), StringComparison.Ordinal);

        Assert.True(first.Started, "the first silo did not start, so the test proves nothing");
        Assert.True(first.Disposed, "the first silo was left running after the second failed to start");
    }

    private sealed class FailingStart : ClusterFixture
    {
        public const string Reason = "the silo does not start, on purpose";

        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, silos: 1, configure: _ => throw new InvalidOperationException(Reason));

        /// <summary>A silo whose start times out (Orleans' DeployAsync stops the other silos on any other failure, not on this one).</summary>
        public sealed class TimingOut : ILifecycleParticipant<ISiloLifecycle>
        {
            public void Participate(ISiloLifecycle lifecycle)
                => lifecycle.Subscribe(nameof(FailingStart), ServiceLifecycleStage.Active, _ => throw new TimeoutException(Reason));
        }
    }

    /// <summary>Whether its silo reached <see cref="ServiceLifecycleStage.Active"/> and whether the silo's services were disposed.</summary>
    private sealed class SiloProbe : ILifecycleParticipant<ISiloLifecycle>, IDisposable
    {
        public bool Started { get; private set; }

        public bool Disposed { get; private set; }

        public void Participate(ISiloLifecycle lifecycle)
            => lifecycle.Subscribe(nameof(SiloProbe), ServiceLifecycleStage.Active, _ =>
            {
                Started = true;
                return Task.CompletedTask;
            });

        public void Dispose() => Disposed = true;
    }
}
