using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.EmbeddedKafka.Hosting;
using StreamAttention.Ingest.EmbeddedKafka.Options;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task TheHostRunsTheConfiguredClusterWithItsTopicsAndStopsIt()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EmbeddedKafka:BrokerCount"] = "2",
            ["EmbeddedKafka:Topics:streamattention.messages"] = "5",
            ["EmbeddedKafka:Topics:other"] = "1",
        });
        builder.Services.AddEmbeddedKafka().BindConfiguration(EmbeddedKafkaOptions.SectionName);
        using var host = builder.Build();
        var service = host.Services.GetRequiredService<EmbeddedKafkaHostedService>();
        Assert.Throws<InvalidOperationException>(() => service.Cluster);

        await host.StartAsync();
        var bootstrapServers = service.Cluster.BootstrapServers;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            Assert.Equal(2, metadata.Brokers.Count);
            Assert.Equal(5, metadata.Topics.Single(t => t.Topic == "streamattention.messages").Partitions.Count);
            Assert.Single(metadata.Topics.Single(t => t.Topic == "other").Partitions);
        }
        await host.StopAsync();

        Assert.Throws<InvalidOperationException>(() => service.Cluster);
    }

    [Theory]
    [InlineData(0, "topic", 1)]
    [InlineData(17, "topic", 1)]
    [InlineData(1, "bad topic", 1)]
    [InlineData(1, "..", 1)]
    [InlineData(1, "topic", 0)]
    public async Task InvalidOptionsStopTheHostFromStarting(int brokers, string topic, int partitions)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddEmbeddedKafka(options =>
        {
            options.BrokerCount = brokers;
            options.Topics[topic] = partitions;
        });
        using var host = builder.Build();

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }
}
