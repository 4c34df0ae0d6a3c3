using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Kafka tenancy: a message scores only against its own tenant's users (tenant from its field or header), a user
/// field never reaches another tenant, matches, notifications and digests go to per-tenant topics keyed "tenant/user", and messages with an
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
            kafka.CreateTopic($"{Traffic.NotificationTopic}.{tenant}", Traffic.Partitions);
        }
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "tenancy", options =>
        {
            options.Tenancy.Required = true;
            options.Tenancy.Tenants = ["acme", "globex"];
            options.Tenancy.OutputTopicPattern = $"{Traffic.OutputTopic}.{{tenant}}";
            options.Tenancy.NotificationTopicPattern = $"{Traffic.NotificationTopic}.{{tenant}}";
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

        // Batches are scored concurrently, so the two acme messages may be published in either order.
        Assert.Equal([("acme-alice", $"acme/{User}"), ("acme-all", $"acme/{User}")], Matches(kafka, "acme").Order());
        Assert.Equal([("globex-by-header", $"globex/{User}")], Matches(kafka, "globex"));
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.OutputTopic));
        // acme-alice repeats acme-all's text for the same user: whichever the user grain decides first notifies, the
        // other is a suppressed duplicate, not a notification.
        var acmeNotification = Assert.Single(Matches(kafka, "acme", Traffic.NotificationTopic));
        Assert.Contains(acmeNotification, new[] { ("acme-all", $"acme/{User}"), ("acme-alice", $"acme/{User}") });
        Assert.Equal([("globex-by-header", $"globex/{User}")], Matches(kafka, "globex", Traffic.NotificationTopic));
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.NotificationTopic));
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

    /// <summary>
    /// The operator tells tenants apart: messages, matches, dead letters and latencies carry the <c>tenant</c> tag, a
    /// tenant's own where <c>Tenancy:Tenants</c> names it, <c>(other)</c> for a tenant it does not name (here read from
    /// the header of a message refused for it), <c>(none)</c> where none is known.
    /// </summary>
    [Fact]
    public async Task The_ingest_counters_are_tagged_with_each_configured_tenant_and_other_tenants_count_together()
    {
        const string tenant = "hooli";
        await fixture.Cluster.Client.GetGrain<IUserGrain>($"{tenant}/{User}").PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        await using var kafka = Traffic.StartKafka();
        const string group = "tenancy-metrics";
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, group, options => options.Tenancy.Tenants = [tenant]);
        using var outcomes = new OutcomeCounter(ingest);
        await ProduceAsync(kafka,
            (Message("hooli-all"), tenant),
            ("{not json"u8.ToArray(), tenant),
            (Message("initech-all"), "initech"),
            ("{not json"u8.ToArray(), null));
        await OutputReader.WaitForAllCommittedAsync(kafka, group);

        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestMessages, IngestInstruments.Matched, tenant));
        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestMatches, null, tenant));
        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestLatency, null, tenant));
        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestMessages, IngestInstruments.DeadLettered, tenant));
        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestDeadLetters, DeadLetterReasons.MalformedJson, tenant));
        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestDeadLetters, DeadLetterReasons.UnknownTenant, MeteredTenants.Other));
        Assert.Equal(1, outcomes.ByTenant(InstrumentNames.IngestDeadLetters, DeadLetterReasons.MalformedJson, MeteredTenants.None));
        Assert.Equal(0, outcomes.ByTenant(InstrumentNames.IngestDeadLetters, DeadLetterReasons.UnknownTenant, "initech"));
    }

    /// <summary>Without <c>Tenancy:Required</c> a message without a tenant reaches every tenant's users: each match still goes to its user's tenant's topic.</summary>
    [Theory]
    [InlineData(MatchRecordLayout.PerMatch)]
    [InlineData(MatchRecordLayout.PerUserBatch)]
    public async Task A_message_without_a_tenant_puts_each_match_on_its_users_tenant_topic(MatchRecordLayout layout)
    {
        // A user of its own per layout: a second run's match would be a duplicate of the first's, not a notification.
        var user = $"tenancy-untagged-{layout.ToString().ToLowerInvariant()}";
        foreach (var key in new[] { $"acme/{user}", user })
        {
            await fixture.Cluster.Client.GetGrain<IUserGrain>(key).PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        }
        await using var kafka = Traffic.StartKafka();
        // The other tests' tenant users, which this cluster may hold, have the same interest.
        foreach (var tenant in new[] { "acme", "globex" })
        {
            kafka.CreateTopic($"{Traffic.OutputTopic}.{tenant}", Traffic.Partitions);
            kafka.CreateTopic($"{Traffic.NotificationTopic}.{tenant}", Traffic.Partitions);
        }
        var group = user;
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, group, options =>
        {
            options.Output.MatchRecords = layout;
            options.Tenancy.OutputTopicPattern = $"{Traffic.OutputTopic}.{{tenant}}";
            options.Tenancy.NotificationTopicPattern = $"{Traffic.NotificationTopic}.{{tenant}}";
        });
        await ProduceAsync(kafka, (Message("untagged"), null));
        await OutputReader.WaitForAllCommittedAsync(kafka, group);

        foreach (var topic in new[] { Traffic.OutputTopic, Traffic.NotificationTopic })
        {
            var acme = Keys(kafka, $"{topic}.acme");
            Assert.Contains($"acme/{user}", acme);
            Assert.All(acme, key => Assert.StartsWith("acme/", key));
            var shared = Keys(kafka, topic);
            Assert.Contains(user, shared);
            Assert.DoesNotContain(shared, key => key.Contains('/'));
        }

        static string[] Keys(EmbeddedKafkaCluster kafka, string topic) => OutputReader.ReadAll(kafka, topic).Select(r => Encoding.UTF8.GetString(r.Message.Key)).ToArray();
    }

    [Fact]
    public async Task A_tenant_users_digest_goes_to_the_tenants_digest_topic_keyed_by_its_user_key()
    {
        await using var kafka = Traffic.StartKafka();
        kafka.CreateTopic($"{Traffic.DigestTopic}.acme", Traffic.Partitions);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "tenancy-digests",
            options => options.Tenancy.DigestTopicPattern = $"{Traffic.DigestTopic}.{{tenant}}");
        var sink = ingest.Services.GetRequiredService<IDigestSink>();
        await sink.PublishAsync(new Digest($"acme/{User}/1", $"acme/{User}", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 0, []), CancellationToken.None);
        await sink.PublishAsync(new Digest($"{User}/1", User, DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 0, []), CancellationToken.None);

        var acme = Assert.Single(OutputReader.ReadAll(kafka, $"{Traffic.DigestTopic}.acme"));
        Assert.Equal($"acme/{User}", Encoding.UTF8.GetString(acme.Message.Key));
        // A tenant-less user's digest stays on the one digest topic.
        Assert.Equal(User, Encoding.UTF8.GetString(Assert.Single(OutputReader.ReadAll(kafka, Traffic.DigestTopic)).Message.Key));
    }

    /// <summary>
    /// A tenant id may hold ':', which no Kafka topic name may: the tenant has no topic of its own under a per-tenant
    /// pattern, so the message is dead-lettered for its user (which a broker would refuse, and the mock would take).
    /// </summary>
    [Fact]
    public async Task A_match_of_a_tenant_without_a_legal_topic_name_is_dead_lettered_for_its_user()
    {
        const string tenant = "acme:eu";
        const string user = "tenancy-colon";
        await fixture.Cluster.Client.GetGrain<IUserGrain>($"{tenant}/{user}").PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        await using var kafka = Traffic.StartKafka();
        const string group = "tenancy-colon";
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, group, options =>
        {
            options.Tenancy.OutputTopicPattern = $"{Traffic.OutputTopic}.{{tenant}}";
            options.Tenancy.NotificationTopicPattern = $"{Traffic.NotificationTopic}.{{tenant}}";
        });
        await ProduceAsync(kafka, (Message("colon-tenant"), tenant));
        await OutputReader.WaitForAllCommittedAsync(kafka, group);

        var deadLetter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal("colon-tenant", (string)JsonNode.Parse(deadLetter.Message.Value)!["id"]!);
        Assert.Equal(DeadLetterReasons.NoTenantTopic, OutputReader.Header(deadLetter, DeadLetterHeaders.Error));
        Assert.Equal(user, OutputReader.Header(deadLetter, DeadLetterHeaders.User));
        Assert.Contains($"'{Traffic.OutputTopic}.{tenant}'", OutputReader.Header(deadLetter, DeadLetterHeaders.ErrorDetail));
    }

    [Fact]
    public async Task A_digest_of_a_tenant_without_a_legal_topic_name_fails_saying_why()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "tenancy-colon-digests",
            options => options.Tenancy.DigestTopicPattern = $"{Traffic.DigestTopic}.{{tenant}}");
        var sink = ingest.Services.GetRequiredService<IDigestSink>();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(()
            => sink.PublishAsync(new Digest($"acme:eu/{User}/1", $"acme:eu/{User}", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 0, []), CancellationToken.None));

        Assert.Equal($"Digest acme:eu/{User}/1 was not published: tenant 'acme:eu' has no topic of its own: Ingest:Tenancy:DigestTopicPattern "
            + $"({Traffic.DigestTopic}.{{tenant}}) makes '{Traffic.DigestTopic}.acme:eu' of it, and a Kafka topic name is 1 to 249 of [A-Za-z0-9._-]", failure.Message);
    }

    [Theory]
    [InlineData("out.{tenant}", new string[0], null)]
    [InlineData("out.{tenant}", new[] { "acme" }, null)]
    [InlineData("out:{tenant}", new string[0], "Ingest:Tenancy:OutputTopicPattern (out:{tenant}) does not make a topic name of a tenant: a Kafka topic name is 1 to 249 of [A-Za-z0-9._-].")]
    [InlineData("out.{tenant}", new[] { "acme", "acme:eu" }, "Ingest:Tenancy names a tenant Kafka has no topic name for: tenant 'acme:eu' has no topic of its own: Ingest:Tenancy:OutputTopicPattern (out.{tenant}) makes 'out.acme:eu' of it, and a Kafka topic name is 1 to 249 of [A-Za-z0-9._-].")]
    [InlineData(null, new[] { "acme:eu" }, null)]
    public void Per_tenant_topic_patterns_are_refused_at_start_where_they_make_no_legal_topic_name(string? pattern, string[] tenants, string? error)
    {
        var options = new KafkaIngestOptions { Tenancy = new IngestTenancyOptions { OutputTopicPattern = pattern, Tenants = [.. tenants] } };

        var errors = options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage).ToArray();

        Assert.Equal(error is null ? [] : [error], errors);
    }

    [Fact]
    public void A_tenant_of_an_input_topic_without_a_legal_topic_name_is_refused_at_start()
    {
        var options = new KafkaIngestOptions { Tenancy = new IngestTenancyOptions { DigestTopicPattern = "digests.{tenant}", Topics = { ["in.eu"] = "acme:eu" } } };

        var error = Assert.Single(options.Validate(new ValidationContext(options)));

        Assert.Contains("tenant 'acme:eu' has no topic of its own: Ingest:Tenancy:DigestTopicPattern", error.ErrorMessage);
    }

    [Theory]
    [InlineData("00:00:10", true)]
    [InlineData("00:00:00.100", true)]
    [InlineData("00:10:00", true)]
    [InlineData("00:00:00.099", false)]
    [InlineData("00:00:00", false)]
    [InlineData("00:10:00.001", false)]
    public void The_user_check_timeout_is_validated(string timeout, bool valid)
    {
        var options = new KafkaIngestOptions { Tenancy = new IngestTenancyOptions { UserCheckTimeout = TimeSpan.Parse(timeout, CultureInfo.InvariantCulture) } };

        var errors = options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage).ToArray();

        Assert.Equal(valid ? [] : ["Ingest:Tenancy:UserCheckTimeout must be between 00:00:00.100 and 00:10:00."], errors);
    }

    private static (string Id, string Key)[] Matches(EmbeddedKafkaCluster kafka, string tenant, string topic = Traffic.OutputTopic)
        => OutputReader.ReadAll(kafka, $"{topic}.{tenant}")
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
