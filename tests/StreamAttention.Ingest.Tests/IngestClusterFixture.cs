namespace StreamAttention.Ingest.Tests;

/// <summary>Two real silos (GloVe, ONNX scorer) with <see cref="Traffic"/>'s interests, shared by the tests of a class.</summary>
public sealed class IngestClusterFixture : ClusterFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Traffic.PutInterestsAsync(Grains);
    }
}
