using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A silo's failure detection: StreamAttention's defaults (a killed silo declared dead in ~2 s, a frozen one in ~9 s,
/// where Orleans' own took ~15 s and ~60 s), each key of <c>Cluster:Membership</c> still overriding them.
/// </summary>
public sealed class MembershipDefaultsTests
{
    [Theory]
    [InlineData(new string[0], 2, 2, 4)]
    // MaxProbeTimeout follows a configured ProbeTimeout unless set itself.
    [InlineData(new[] { "--Cluster:Membership:ProbeTimeout=00:00:05" }, 5, 2, 10)]
    [InlineData(new[] { "--Cluster:Membership:NumMissedProbesLimit=3", "--Cluster:Membership:MaxProbeTimeout=00:00:20" }, 2, 3, 20)]
    public async Task A_silo_detects_failures_within_StreamAttentions_defaults_unless_configured(string[] configuration, int probeSeconds, int missedProbes, int maxProbeSeconds)
    {
        string[] args = [$"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}", .. TestAuth.Arguments, .. TestCluster.RawScoringArguments, .. configuration];
        await using var app = SiloHost.Build(SiloHost.CreateBuilder(args));

        var membership = app.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

        Assert.Equal((TimeSpan.FromSeconds(probeSeconds), missedProbes, TimeSpan.FromSeconds(maxProbeSeconds)),
            (membership.ProbeTimeout, membership.NumMissedProbesLimit, membership.MaxProbeTimeout));
    }
}
