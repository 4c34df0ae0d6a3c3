using System.Text.Json;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Tests;

/// <summary>An interest's keyword rules hold on the Kafka path too: a message they exclude publishes no match.</summary>
public sealed class KeywordRulesIngestTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    private const string User = "ingest-keywords";

    [Fact]
    public async Task A_message_holding_an_excluded_term_or_lacking_a_required_one_is_not_published()
    {
        var written = await fixture.Grains.GetGrain<IUserGrain>(User).PutInterests(
            [new InterestInput("ruled", Texts.DatabaseInterest, Require: ["db-eu-1"], Exclude: ["staging"]), new InterestInput("plain", Texts.DatabaseInterest)]);
        Assert.Empty(written.Errors);
        string[] texts =
        [
            Texts.DatabaseMessage + " on db-eu-1 in production",
            Texts.DatabaseMessage + " on db-eu-1 in Staging",
            Texts.DatabaseMessage + " on db-eu-2 in production",
        ];
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "keywords");

        await Traffic.ProduceAsync(kafka, 0, texts.Length, i => JsonSerializer.Serialize(new { id = $"k-{i}", text = texts[i], user = User }));
        await OutputReader.WaitForAllCommittedAsync(kafka, "keywords");

        var matches = OutputReader.ReadMatches(kafka).Select(m => ((string)m["interestId"]!, (string)m["messageId"]!)).Order();
        // Without rules every message matches (the plain interest), so the rules alone dropped the other two.
        Assert.Equal([("plain", "k-0"), ("plain", "k-1"), ("plain", "k-2"), ("ruled", "k-0")], matches);
    }
}
