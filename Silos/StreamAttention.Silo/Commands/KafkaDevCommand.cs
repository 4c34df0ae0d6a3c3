using System.CommandLine;
using System.Globalization;
using StreamAttention.Ingest.EmbeddedKafka.Hosting;
using StreamAttention.Ingest.EmbeddedKafka.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.IO;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention kafka-dev</c>: an in-memory Kafka cluster (librdkafka's mock) for local development, with the
/// topics StreamAttention reads and writes. Data lives only as long as the process.
/// </summary>
public static class KafkaDevCommand
{
    public static readonly IReadOnlyList<string> DefaultTopics = ["streamattention.messages", "streamattention.matches", "streamattention.notifications", "streamattention.digests", "streamattention.dead-letters"];

    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "brokers, each on a free port of 127.0.0.1", DefaultValueFactory = _ => 1 };
        var partitions = new Option<int>("--partitions") { Description = "partitions of each topic", DefaultValueFactory = _ => 8 };
        var bootstrapFile = new Option<FileInfo?>("--bootstrap-file") { Description = "also write the bootstrap address to this file once the cluster is ready (removed at exit)" };
        var command = new Command("kafka-dev",
            $"Run an in-memory Kafka cluster on 127.0.0.1 with the topics {string.Join(", ", DefaultTopics)} until Ctrl-C or SIGTERM; prints its bootstrap address on stdout.")
        {
            brokers, partitions, bootstrapFile,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(brokers) is < 1 or > EmbeddedKafkaOptions.MaxBrokers || parse.GetValue(partitions) is < 1 or > EmbeddedKafkaOptions.MaxPartitions)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"kafka-dev: --brokers must be 1–{EmbeddedKafkaOptions.MaxBrokers} and --partitions 1–{EmbeddedKafkaOptions.MaxPartitions:N0}"));
                return Task.FromResult(2);
            }
            return RunAsync(parse.GetValue(brokers), parse.GetValue(partitions), parse.GetValue(bootstrapFile), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(int brokerCount, int partitions, FileInfo? bootstrapFile, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        // The commands' shared logging: on stderr, so stdout carries only the address.
        StreamAttentionHost.ConfigureSourcesAndLogging(builder, []);
        builder.Services.AddEmbeddedKafka(options =>
        {
            options.BrokerCount = brokerCount;
            options.Topics = DefaultTopics.ToDictionary(topic => topic, _ => partitions);
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var bootstrapServers = host.Services.GetRequiredService<EmbeddedKafkaHostedService>().Cluster.BootstrapServers;
        if (bootstrapFile is not null)
        {
            // A script polling for the file never reads half an address.
            OutputFile.Write(bootstrapFile, writer => writer.WriteLine(bootstrapServers));
        }
        Console.Out.WriteLine(bootstrapServers);
        Console.Out.Flush();
        try
        {
            await host.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            bootstrapFile?.Delete();
        }
        return 0;
    }
}
