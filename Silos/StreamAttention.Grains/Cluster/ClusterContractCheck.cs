using Microsoft.Extensions.Logging;
using Orleans.Metadata;

namespace StreamAttention.Grains.Cluster;

/// <summary>
/// Before the silo becomes active, compares its <see cref="ClusterContract.Version"/> with every other active silo's, as
/// the cluster manifest holds them: a silo started beside silos of an incompatible build fails to start, with one line
/// saying why (exit code 2), and the others go on serving. Without it the two builds served together and failed on
/// each other's records and calls.
/// </summary>
public sealed partial class ClusterContractCheck(
    IClusterManifestProvider manifests, IClusterMembershipService membership, ILocalSiloDetails silo, ILogger<ClusterContractCheck> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long the check waits for the manifests of the active silos: they arrive as the membership changes.</summary>
    private static readonly TimeSpan ManifestWait = TimeSpan.FromSeconds(30);

    /// <summary>Just before the silo becomes active: it has joined the membership, but no grain is placed on it yet.</summary>
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(ClusterContractCheck), ServiceLifecycleStage.BecomeActive - 1, CheckAsync);

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var others = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active && !member.SiloAddress.Equals(silo.SiloAddress))
            .Select(member => member.SiloAddress)
            .ToArray();
        var manifest = manifests.Current;
        if (!others.All(manifest.Silos.ContainsKey))
        {
            manifest = await ManifestOfAsync(others, manifest, cancellationToken);
        }
        ClusterContract.ThrowIfConflict(manifest, silo.SiloAddress, others, ClusterContract.Version);
        LogContract(ClusterContract.Version, others.Length);
    }

    /// <summary>The first manifest that holds every one of <paramref name="others"/>, or the latest one after <see cref="ManifestWait"/>.</summary>
    private async Task<ClusterManifest> ManifestOfAsync(SiloAddress[] others, ClusterManifest manifest, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(ManifestWait);
        try
        {
            await foreach (var update in manifests.Updates.WithCancellation(wait.Token))
            {
                manifest = update;
                if (others.All(manifest.Silos.ContainsKey))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogManifestsMissing(ManifestWait, string.Join(", ", others.Where(other => !manifest.Silos.ContainsKey(other))));
        }
        return manifest;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster contract {Version}, the same as that of the {Others} other active silo(s)")]
    private partial void LogContract(string version, int others);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The manifests of active silos {Silos} did not arrive within {Wait}: their builds were not compared with this one's")]
    private partial void LogManifestsMissing(TimeSpan wait, string silos);
}
