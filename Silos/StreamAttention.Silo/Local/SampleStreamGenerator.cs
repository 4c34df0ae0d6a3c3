using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Diagnostics;

namespace StreamAttention.Silo.Local;

/// <summary>
/// Produces the demo stream: the sample messages, cycled, as JSON <c>{"id","text","timestamp"}</c> at a steady rate,
/// so local mode shows a live filtered stream without any outside data.
/// </summary>
public sealed class SampleStreamGenerator(IOptions<SampleStreamOptions> options, ILogger<SampleStreamGenerator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.MessagesPerSecond <= 0)
        {
            return;
        }
        var texts = File.ReadLines(Path.Combine(settings.Directory, "messages.jsonl"))
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .ToArray();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            EnableIdempotence = true,
            LingerMs = 5,
        }).LogTo(new KafkaClientLog(logger)).Build();
        var interval = TimeSpan.FromSeconds(1 / settings.MessagesPerSecond);
        using var timer = new PeriodicTimer(interval);
        logger.LogInformation("Producing the sample stream ({Count} messages, cycled) to {Topic} at {Rate} messages/s", texts.Length, settings.Topic, settings.MessagesPerSecond);
        for (long sequence = 0; await timer.WaitForNextTickAsync(stoppingToken); sequence++)
        {
            var message = JsonSerializer.Serialize(new { id = $"live-{sequence}", text = texts[sequence % texts.Length], timestamp = DateTimeOffset.UtcNow });
            producer.Produce(settings.Topic, new Message<Null, string> { Value = message }, report =>
            {
                if (report.Error.IsError)
                {
                    logger.LogWarning("Sample message not delivered: {Reason}", report.Error.Reason);
                }
            });
        }
        producer.Flush(TimeSpan.FromSeconds(5));
    }
}
