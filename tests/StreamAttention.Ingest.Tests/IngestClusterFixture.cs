using Orleans.TestingHost;
using TestCluster = StreamAttention.Silos.Tests.TestCluster;
using StreamAttention.Silos.Tests;

namespace StreamAttention.Ingest.Tests;

/// <summary>Two real silos (GloVe, ONNX scorer) with <see cref="Traffic"/>'s interests, shared by the tests of a class.</summary>
public sealed class IngestClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(new SharedGrainStore());
        await Traffic.PutInterestsAsync(Cluster.Client);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
