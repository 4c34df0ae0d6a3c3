namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// One ready silo shared by the tests of the collection (the embedder loads once). The collection runs alone, after
/// the other test classes' hosts are gone: OpenTelemetry shares a metric stream among same-named instruments of every
/// host in the process, and a host's disposal ends that stream for all of them, so <c>/metrics</c> would lose the
/// gateway's and the batcher's series whenever another host stopped first.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardCollection : ICollectionFixture<SiloHostFixture>
{
    public const string Name = "dashboard host";
}
