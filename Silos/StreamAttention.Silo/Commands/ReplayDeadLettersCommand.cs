using System.CommandLine;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;
using StreamAttention.Ingest.Replay;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention replay-dead-letters</c>: produces the dead letters of the chosen reasons (and user) back to the
/// topics their messages came from (<see cref="DeadLetterReplayer"/>), once what made them fail is mended.
/// </summary>
public static class ReplayDeadLettersCommand
{
    /// <summary>
    /// The exit code of a run that left records in the topic, committed over in its group: dead letters after
    /// <c>--max-replays</c>, or records of a schema this build does not replay (everything else it read was done).
    /// </summary>
    public const int LeftInTopicExitCode = 3;

    public static Command Create()
    {
        var defaults = new DeadLetterReplayOptions();
        var kafka = new Option<string>("--kafka") { Description = "Kafka bootstrap servers", DefaultValueFactory = _ => defaults.BootstrapServers };
        var reasons = new Option<string[]>("--reason") { Description = "replay only dead letters of this reason, e.g. decision-failed (repeatable; default: every reason)" };
        var user = new Option<string?>("--user") { Description = "replay only the decision-failed dead letters of this user (of the message's tenant)" };
        var to = new Option<string?>("--to") { Description = "the topic to replay to (default: each dead letter's source topic)" };
        var group = new Option<string?>("--group")
        {
            Description = $"the consumer group that remembers what was replayed (default: one per filter, {DeadLetterReplayOptions.DefaultGroupId}[.reason+reason][.user=NAME])",
        };
        var maxReplays = new Option<int?>("--max-replays")
        {
            Description = "leave a dead letter whose message was already replayed this many times (header streamattention-replays) in the topic, "
                + "with a warning, instead of replaying it again, and exit with 3 when any was left so (default: no limit)",
        };
        var topic = new Option<string>("--dead-letter-topic") { DefaultValueFactory = _ => defaults.DeadLetterTopic };
        var settings = new Option<string[]>("--kafka-setting") { Description = "a librdkafka setting for both clients, key=value (repeatable), e.g. security.protocol=SASL_SSL" };
        var command = new Command("replay-dead-letters",
            "Produce the dead letters that the topic holds now (from the group's last run on) back to their source topics, as the original messages; "
            + "a decision-failed dead letter reaches its user alone. Each filter (reasons, user) has a group of its own, so what one filter passes over another still replays.")
        {
            kafka, reasons, user, to, group, maxReplays, topic, settings,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var kafkaSettings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var setting in parse.GetValue(settings) ?? [])
            {
                var equals = setting.IndexOf('=');
                if (equals <= 0)
                {
                    Console.Error.WriteLine($"replay-dead-letters: --kafka-setting '{setting}' is not key=value");
                    return Task.FromResult(2);
                }
                kafkaSettings[setting[..equals]] = setting[(equals + 1)..];
            }
            return RunAsync(options =>
            {
                options.BootstrapServers = parse.GetValue(kafka)!;
                options.Reasons = [.. parse.GetValue(reasons) ?? []];
                options.User = parse.GetValue(user);
                options.TargetTopic = parse.GetValue(to);
                options.GroupId = parse.GetValue(group);
                options.MaxReplays = parse.GetValue(maxReplays);
                options.DeadLetterTopic = parse.GetValue(topic)!;
                options.Kafka = kafkaSettings;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>The command-line option that sets each member of <see cref="DeadLetterReplayOptions"/>, so a refusal names what was typed.</summary>
    private static readonly Dictionary<string, string> OptionOfMember = new(StringComparer.Ordinal)
    {
        [nameof(DeadLetterReplayOptions.BootstrapServers)] = "--kafka",
        [nameof(DeadLetterReplayOptions.Reasons)] = "--reason",
        [nameof(DeadLetterReplayOptions.User)] = "--user",
        [nameof(DeadLetterReplayOptions.TargetTopic)] = "--to",
        [nameof(DeadLetterReplayOptions.GroupId)] = "--group",
        [nameof(DeadLetterReplayOptions.MaxReplays)] = "--max-replays",
        [nameof(DeadLetterReplayOptions.DeadLetterTopic)] = "--dead-letter-topic",
    };

    private static async Task<int> RunAsync(Action<DeadLetterReplayOptions> configure, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        // The commands' shared logging: on stderr, so stdout carries only the summary.
        StreamAttentionHost.ConfigureSourcesAndLogging(builder, []);
        builder.Services.AddDeadLetterReplayer(configure).BindIngestClientSettings();
        using var host = builder.Build();
        DeadLetterReplayResult result;
        try
        {
            result = await host.Services.GetRequiredService<DeadLetterReplayer>().ReplayAsync(cancellationToken);
        }
        catch (OptionsValidationException refused) when (refused.OptionsType == typeof(DeadLetterReplayOptions))
        {
            Console.Error.WriteLine($"replay-dead-letters: {ConfigurationErrors.DescribeCommandLine(refused, OptionOfMember)}");
            return ConfigurationErrors.ExitCode;
        }
        catch (Exception e) when (e is KafkaException or TimeoutException)
        {
            Console.Error.WriteLine($"replay-dead-letters: {ControlCharacterEscapingLogProvider.EscapeLine(e.Message)}. Nothing was committed: the next run replays the same dead letters.");
            return 1;
        }
        var maxReplays = host.Services.GetRequiredService<IOptions<DeadLetterReplayOptions>>().Value.MaxReplays;
        // A reason is what a dead letter's header says: producers and earlier failures wrote it, so it reaches the terminal escaped.
        var byReason = string.Join(", ", result.ReplayedByReason.OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => $"{ControlCharacterEscapingLogProvider.EscapeLine(r.Key)} {r.Value}"));
        Console.Out.WriteLine($"replayed {result.Replayed} of {result.Read} dead letters read{(byReason.Length > 0 ? $" ({byReason})" : "")}; passed over {result.PassedOver}"
            + (maxReplays is { } most ? $"; left after {most} replays {result.Exhausted}" : "")
            + (result.Unknown > 0 ? $"; left of an unknown schema {result.Unknown}" : ""));
        // A schema is what a record's header says: a later build or another producer wrote it, so it is escaped too.
        foreach (var (schema, count) in result.UnknownBySchema.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"replay-dead-letters: {count} records of schema {ControlCharacterEscapingLogProvider.EscapeLine(schema)} were left in the topic "
                + $"(logged above): this build replays {OutputSchema.DeadLetter} and records without the header only; replay them with a build that knows "
                + "that schema and a --group of your own.");
        }
        if (result.Exhausted > 0)
        {
            Console.Error.WriteLine($"replay-dead-letters: {result.Exhausted} dead letters were left in the topic after {maxReplays} replays (logged above); "
                + "replay them with a --group of your own once what fails them is mended.");
        }
        // A failed run is what a scheduler reports (a Kubernetes Job failed): the records left are committed over, so no
        // later run of this group would show them again.
        return result.Exhausted > 0 || result.Unknown > 0 ? LeftInTopicExitCode : 0;
    }
}
