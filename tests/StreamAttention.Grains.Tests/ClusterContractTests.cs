using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;
using StreamAttention.Grains.Cluster;

namespace StreamAttention.Grains.Tests;

/// <summary>Silos of builds whose cluster contracts differ do not serve one cluster: the one that starts beside the other refuses.</summary>
public sealed class ClusterContractTests
{
    private static readonly SiloAddress Local = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 19911), 1);
    private static readonly SiloAddress Other = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 19931), 1);

    [Fact]
    public async Task Silos_of_one_build_publish_its_contract_and_start_together()
    {
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore(), silos: 2);
        var (first, second) = (cluster.Silos[0].SiloAddress, cluster.Silos[1].SiloAddress);
        var manifest = cluster.Silos[1].ServiceProvider.GetRequiredService<IClusterManifestProvider>().Current;

        Assert.Equal(ClusterContract.Version, manifest.Silos[first].Grains[ClusterContract.CarrierType].Properties[ClusterContract.Property]);
        Assert.Null(ClusterContract.Conflict(manifest, second, [first], ClusterContract.Version));
    }

    [Fact]
    public void A_silo_beside_one_of_a_build_from_before_contracts_is_refused_with_why()
    {
        var manifest = ManifestOf(Other, new Dictionary<string, string>());

        var conflict = ClusterContract.Conflict(manifest, Local, [Other], ClusterContract.Version);

        Assert.Equal($"silo {Local} runs a build of cluster contract {ClusterContract.Version} and the cluster's active silo {Other} a build from before cluster contracts: "
            + "silos of these builds cannot serve one cluster (one cannot read the other's stored records or grain calls). "
            + "Stop every silo of the other build before starting this one (Deploy/README.md, \"Upgrading\").", conflict);
    }

    [Fact]
    public void A_silo_beside_one_of_another_contract_is_refused_and_beside_one_of_its_own_is_not()
    {
        // The next contract: one this build's is not, whatever it is.
        var another = $"{int.Parse(ClusterContract.Version, CultureInfo.InvariantCulture) + 1}";
        var manifest = ManifestOf(Other, new Dictionary<string, string> { [ClusterContract.Property] = another });

        Assert.Contains($"the cluster's active silo {Other} a build of cluster contract {another}", ClusterContract.Conflict(manifest, Local, [Other], ClusterContract.Version));
        Assert.Null(ClusterContract.Conflict(manifest, Local, [Other], another));
    }

    /// <summary>A cluster manifest with one silo whose user grain type has <paramref name="properties"/>.</summary>
    private static ClusterManifest ManifestOf(SiloAddress silo, Dictionary<string, string> properties)
    {
        var grains = ImmutableDictionary<GrainType, GrainProperties>.Empty.Add(ClusterContract.CarrierType, new GrainProperties(properties.ToImmutableDictionary(StringComparer.Ordinal)));
        var manifest = new GrainManifest(grains, ImmutableDictionary<GrainInterfaceType, GrainInterfaceProperties>.Empty);
        return new ClusterManifest(new MajorMinorVersion(1, 1), ImmutableDictionary<SiloAddress, GrainManifest>.Empty.Add(silo, manifest));
    }
}
