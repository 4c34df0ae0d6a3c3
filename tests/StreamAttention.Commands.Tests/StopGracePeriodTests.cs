using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// Each deployment lets a silo and the ingest stop as long as they may take before it kills them: a silo its
/// <c>Cluster:ShutdownTimeout</c> (past it, its own exit code 3 and the line saying why), the standalone ingest its
/// <c>Ingest:DrainTimeout</c> (its batches in flight finish and their offsets are committed) and then its host's own
/// timeout. Killed earlier, a silo leaves without that line or a clean leave, and the ingest reads its batches again.
/// The Kubernetes manifests are checked by <c>Deploy/tools/check-kubernetes.mjs</c> (<c>Deploy/validate.sh</c>), which
/// adds the silo's preStop pause and the settings each pod gets: here, that its bounds are the code's defaults.
/// </summary>
public sealed partial class StopGracePeriodTests
{
    private static readonly TimeSpan SiloStop = new SiloClusterOptions().ShutdownTimeout;
    private static readonly TimeSpan HostStop = new HostOptions().ShutdownTimeout;
    private static readonly TimeSpan Drain = new KafkaIngestOptions().DrainTimeout;

    [Fact]
    public void Compose_waits_longer_for_a_silos_and_the_ingests_stop_than_each_may_take()
    {
        var compose = File.ReadAllText(TestFiles.Repository("docker-compose.yml").FullName);

        // The silos take the shared block's (x-streamattention); the ingest drains, then its host stops the rest.
        Assert.True(GracePeriodOf(compose, "x-streamattention") > SiloStop, $"compose kills a silo before a stop of up to {SiloStop} ends");
        Assert.True(GracePeriodOf(compose, "ingest") > Drain + HostStop, $"compose kills the ingest before a stop of up to {Drain + HostStop} ends");
    }

    [Fact]
    public void The_kubernetes_check_bounds_a_stop_by_the_codes_own_defaults()
    {
        var script = File.ReadAllText(TestFiles.Repository("Deploy/tools/check-kubernetes.mjs").FullName);

        Assert.Equal((SiloStop, HostStop, Drain),
            (SecondsOf(script, "DEFAULT_SHUTDOWN_SECONDS"), SecondsOf(script, "HOST_SHUTDOWN_SECONDS"), SecondsOf(script, "DEFAULT_DRAIN_SECONDS")));
    }

    /// <summary>The <c>stop_grace_period</c> of a block of the compose file (a service, or the anchor the silos share).</summary>
    private static TimeSpan GracePeriodOf(string compose, string block)
    {
        var lines = compose.Split('\n');
        var at = Array.FindIndex(lines, line => Regex.IsMatch(line, $@"^ *{Regex.Escape(block)}:( |$)"));
        Assert.True(at >= 0, $"compose has no block {block}");
        var indent = lines[at].Length - lines[at].TrimStart().Length;
        var own = lines.Skip(at + 1)
            .TakeWhile(line => line.Trim().Length == 0 || line.TrimStart().StartsWith('#') || line.Length - line.TrimStart().Length > indent)
            .Select(line => GracePeriod().Match(line))
            .FirstOrDefault(match => match.Success && match.Groups["indent"].Length == indent + 2);
        // Docker's own default is 10 s: shorter than a stop may take.
        Assert.NotNull(own);
        return TimeSpan.FromSeconds(int.Parse(own.Groups["seconds"].Value, CultureInfo.InvariantCulture));
    }

    private static TimeSpan SecondsOf(string script, string constant)
    {
        var match = Regex.Match(script, $@"^const {constant} = (?<seconds>\d+);", RegexOptions.Multiline);
        Assert.True(match.Success, $"check-kubernetes.mjs has no {constant}");
        return TimeSpan.FromSeconds(int.Parse(match.Groups["seconds"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(?<indent> *)stop_grace_period:\s*(?<seconds>\d+)s\b")]
    private static partial Regex GracePeriod();
}
