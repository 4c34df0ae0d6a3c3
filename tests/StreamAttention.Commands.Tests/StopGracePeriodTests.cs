using System.Globalization;
using System.Text.RegularExpressions;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// Each deployment lets a silo and the ingest stop as long as they may take before it kills them: a silo its
/// <c>Cluster:ShutdownTimeout</c> (past it, its own exit code 3 and the line saying why), the ingest its
/// <c>Ingest:DrainTimeout</c> (its batches in flight finish and their offsets are committed). Killed earlier, a silo
/// leaves without that line or a clean leave, and the ingest reads its batches again.
/// </summary>
public sealed partial class StopGracePeriodTests
{
    private static readonly TimeSpan LongestStop = new[] { new SiloClusterOptions().ShutdownTimeout, new KafkaIngestOptions().DrainTimeout }.Max();

    [Theory]
    [InlineData("docker-compose.yml")]
    [InlineData("Deploy/kubernetes/base/silo.yaml")]
    [InlineData("Deploy/kubernetes/base/ingest.yaml")]
    public void A_deployment_waits_longer_for_a_stop_than_the_stop_may_take(string deploymentFile)
    {
        var text = File.ReadAllText(TestFiles.Repository(deploymentFile).FullName);

        var grace = GracePeriod().Match(text);

        // Docker's own default is 10 s, Kubernetes' 30 s: neither is longer than a stop may take.
        Assert.True(grace.Success, $"{deploymentFile} sets no stop grace period");
        var seconds = TimeSpan.FromSeconds(int.Parse(grace.Groups["seconds"].Value, CultureInfo.InvariantCulture));
        Assert.True(seconds > LongestStop, $"{deploymentFile} kills after {seconds}, before a stop of up to {LongestStop} ends");
    }

    [GeneratedRegex(@"(stop_grace_period|terminationGracePeriodSeconds):\s*(?<seconds>\d+)s?\b")]
    private static partial Regex GracePeriod();
}
