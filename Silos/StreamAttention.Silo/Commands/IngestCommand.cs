using System.CommandLine;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention ingest</c>: the Kafka ingest pipeline as an Orleans client of a running cluster (section "Cluster",
/// as for the silos), with <c>/metrics</c> and <c>/health/*</c> on <c>--urls</c>, until Ctrl+C or SIGTERM, which drain
/// in-flight batches and commit their offsets.
/// </summary>
public static class IngestCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "where /metrics, /health/live and /health/ready listen", DefaultValueFactory = _ => IngestHost.DefaultUrls };
        var command = new Command("ingest", "Consume messages from Kafka, score them through the silos and publish the matches "
            + "(section Ingest, e.g. --Ingest:BootstrapServers=127.0.0.1:9092; the cluster as for 'silo', e.g. --Cluster:GatewayPort=30000).")
        {
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = IngestHost.Build(IngestHost.CreateBuilder(parse.UnmatchedTokens, parse.GetValue(urls)!));
            return await StopDuringStart.RunAsync(app, cancellationToken);
        });
        return command;
    }
}
