using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Kafka tenancy: a message scores only against its own tenant's users (tenant from its field or header), a user
/// field never reaches another tenant, matches go to per-tenant topics keyed "tenant/user", and messages with an
/// unknown, missing or contradictory tenant, or an unknown user, become dead letters with their reason.
/// </summary>
public sealed class TenancyTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    private const string User = "tenancy-alice";
    private const string TenantHeader = "tenant";

    [Fact]
    public async Task Messages_score_only_against_their_own_tenant_and_bad_tenancy_is_dead_lettered()
    {
        foreach (var key in new[] { $"acme/{User}", $"globex/{User}", User })
        {
            await fixture.Cluster.Client.GetGrain<IUserGrain>(key).PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        }
        await using var kafka = Traffic.StartKafka();
        foreach (var tenant in new[] { "acme", "globex" })
        {
            kafka.CreateTopic($"{Traffic.OutputTopic}.{tenant}", Traffic.Partitions);
        }
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "tenancy", options =>
        {
            options.Tenancy.Required = true;
            options.Tenancy.Tenants = ["acme", "globex"];
            options.Tenancy.OutputTopicPattern = $"{Traffic.OutputTopic}.{{tenant}}";
        });
        await ProduceAsync(kafka,
            (Message("acme-all", tenant: "acme"), null),
            (Message("globex-by-header"), "globex"),
            (Message("acme-alice", tenant: "acme", user: User), null),
            (Message("cross-tenant-user", tenant: "acme", user: $"globex/{User}"), null),
            (Message("contradiction", tenant: "acme"), "globex"),
            (Message("no-tenant"), null),
            (Message("unknown-tenant", tenant: "initech"), null),
            (Message("unknown-user", tenant: "acme", user: "nobody"), null));
        await OutputReader.WaitForAllCommittedAsync(kafka, "tenancy");

        Assert.Equal([("acme-all", $"acme/{User}"), ("acme-alice", $"acme/{User}")], Matches(kafka, "acme"));
        Assert.Equal([("globex-by-header", $"globex/{User}")], Matches(kafka, "globex"));
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.OutputTopic));
        var deadLetters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic)
            .Select(r => (Id: (string)JsonNode.Parse(r.Message.Value)!["id"]!, Reason: OutputReader.Header(r, DeadLetterHeaders.Error)))
            .OrderBy(d => d.Id, StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                ("contradiction", DeadLetterReasons.UnknownTenant),
                ("cross-tenant-user", DeadLetterReasons.InvalidField),
                ("no-tenant", DeadLetterReasons.UnknownTenant),
                ("unknown-tenant", DeadLetterReasons.UnknownTenant),
                ("unknown-user", DeadLetterReasons.UnknownUser),
            ],
            deadLetters);
    }

    private static (string Id, string Key)[] Matches(EmbeddedKafkaCluster kafka, string tenant)
        => OutputReader.ReadAll(kafka, $"{Traffic.OutputTopic}.{tenant}")
            .OrderBy(r => r.Message.Timestamp.UnixTimestampMs)
            .Select(r => ((string)JsonNode.Parse(r.Message.Value)!["messageId"]!, Encoding.UTF8.GetString(r.Message.Key)))
            .ToArray();

    private static byte[] Message(string id, string? tenant = null, string? user = null)
        => JsonSerializer.SerializeToUtf8Bytes(new { id, text = Texts.DatabaseMessage, tenant, user });

    /// <summary>In order on one partition; a non-null header value is sent as the tenant header.</summary>
    private static async Task ProduceAsync(EmbeddedKafkaCluster kafka, params (byte[] Value, string? Header)[] messages)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClients.Producer(kafka)).Build();
        foreach (var (value, header) in messages)
        {
            var headers = new Headers();
            if (header is not null)
            {
                headers.Add(TenantHeader, Encoding.UTF8.GetBytes(header));
            }
            await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0), new Message<byte[]?, byte[]?> { Value = value, Headers = headers }).WaitAsync(KafkaClients.Deadline);
        }
    }
}
