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

    private sealed class FailingStart : ClusterFixture
    {
        public const string Reason = "the silo does not start, on purpose";

        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, silos: 1, configure: _ => throw new InvalidOperationException(Reason));
    }
}
