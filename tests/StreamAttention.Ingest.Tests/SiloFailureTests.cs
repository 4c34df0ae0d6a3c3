using TestCluster = StreamAttention.Testing.TestCluster;

namespace StreamAttention.Ingest.Tests;

/// <summary>A silo killed mid-stream: the pipeline retries the scoring calls until the survivor took the shards over.</summary>
public sealed class SiloFailureTests
{
    private const int Half = 150;

    [Fact]
    public async Task No_loss_when_a_silo_is_killed_mid_stream()
    {
        await using var cluster = await TestCluster.StartAsync(new SharedGrainStore());
        await Traffic.PutInterestsAsync(cluster.Client);
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(cluster.Client, kafka, "silo-killed");
        using var outcomes = new OutcomeCounter(ingest);
        await Traffic.ProduceAsync(kafka, 0, Half);
        await OutputReader.WaitForSomeOutputAsync(kafka);

        await cluster.KillSiloAsync(cluster.Silos[1]);
        await Traffic.ProduceAsync(kafka, Half, Half);

        await OutputReader.WaitForAllCommittedAsync(kafka, "silo-killed", ingest.Log());
        OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), 2 * Half, IngestHosts.MaxDuplicatesPerRestart);
        FaultToleranceTests.AssertEveryOutcomeCounted(outcomes, 2 * Half);
    }
}
