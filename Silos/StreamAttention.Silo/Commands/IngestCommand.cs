using System.CommandLine;
using Microsoft.Extensions.Hosting;
using StreamAttention.Grains.Hosting;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention ingest</c>: the Kafka ingest pipeline as an Orleans client of a running cluster (section "Cluster",
/// as for the silos), until Ctrl+C or SIGTERM, which drain in-flight batches and commit their offsets.
/// </summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var command = new Command("ingest", "Consume messages from Kafka, score them through the silos and publish the matches "
            + "(section Ingest, e.g. --Ingest:BootstrapServers=127.0.0.1:9092; the cluster as for 'silo', e.g. --Cluster:GatewayPort=30000).");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            StreamAttentionHost.ConfigureSourcesAndLogging(builder, parse.UnmatchedTokens);
            builder.UseOrleansClient(client => client.UseStreamAttentionCluster(builder.Configuration));
            builder.Services.AddKafkaIngest().BindConfiguration(KafkaIngestOptions.SectionName);
            using var host = builder.Build();
            await host.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
