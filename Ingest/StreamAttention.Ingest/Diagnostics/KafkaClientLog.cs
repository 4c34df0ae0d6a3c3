using System.Text.RegularExpressions;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Ingest.Diagnostics;

/// <summary>
/// A Kafka client's librdkafka log lines and errors, into the logger (otherwise librdkafka writes its lines to stderr
/// as well). A line that repeats is logged once per <see cref="RepeatInterval"/>, with how often it occurred since: a
/// broker that refuses connections is reported on every attempt, by every client, tens of lines a second, for as long
/// as it is down. Lines that differ only in a duration ("after 0ms" / "after 1ms"), an offset or a leader epoch (a fetch
/// that failed at "offset 41 (leader epoch 0)", then at 57) count as the same line.
/// </summary>
public sealed partial class KafkaClientLog(ILogger logger, TimeProvider? time = null)
{
    public static readonly TimeSpan RepeatInterval = TimeSpan.FromMinutes(1);

    /// <summary>Distinct lines remembered; past this, the ones not seen within the interval are forgotten.</summary>
    private const int MaxRemembered = 256;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DateTimeOffset Logged, int Repeats)> _recent = new(StringComparer.Ordinal);

    /// <summary>For <c>SetLogHandler</c>: at the line's level (librdkafka's syslog levels mapped to the logger's).</summary>
    public void OnLog(LogMessage message)
        => Write((LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging), message.Name, message.Facility, message.Message);

    /// <summary>For <c>SetErrorHandler</c>: a fatal error as an error, any other (librdkafka retries them) as a warning.</summary>
    public void OnError(string client, Error error)
        => Write(error.IsFatal ? LogLevel.Error : LogLevel.Warning, client, error.Code.ToString(), error.Reason);

    /// <summary>
    /// A consumer error <c>Consume</c> threw, naming its partition: as <see cref="OnError"/> (librdkafka retries what is
    /// not fatal). Its text names the offset the fetch failed at, which every retry differs in.
    /// </summary>
    public void OnConsumeError(string client, ConsumeException exception)
        => Write(exception.Error.IsFatal ? LogLevel.Error : LogLevel.Warning, client, exception.Error.Code.ToString(),
            exception.ConsumerRecord?.TopicPartition is { } partition ? $"{partition}: {exception.Error.Reason}" : exception.Error.Reason);

    private void Write(LogLevel level, string client, string facility, string text)
    {
        if (!logger.IsEnabled(level))
        {
            return;
        }
        var key = $"{(int)level}|{client}|{facility}|{Varying().Replace(text, "")}";
        var now = _time.GetUtcNow();
        int repeats;
        lock (_lock)
        {
            if (_recent.TryGetValue(key, out var seen) && now - seen.Logged < RepeatInterval)
            {
                _recent[key] = seen with { Repeats = seen.Repeats + 1 };
                return;
            }
            repeats = seen.Repeats;
            Forget(now);
            _recent[key] = (now, 0);
        }
        if (repeats == 0)
        {
            logger.Log(level, "Kafka {Client} {Facility}: {Text}", client, facility, text);
        }
        else
        {
            logger.Log(level, "Kafka {Client} {Facility}: {Text} (and {Repeats} times more since it was last logged)", client, facility, text, repeats);
        }
    }

    private void Forget(DateTimeOffset now)
    {
        if (_recent.Count < MaxRemembered)
        {
            return;
        }
        foreach (var (key, seen) in _recent)
        {
            if (now - seen.Logged >= RepeatInterval)
            {
                _recent.Remove(key);
            }
        }
        if (_recent.Count >= MaxRemembered)
        {
            _recent.Clear();
        }
    }

    [GeneratedRegex(@"\b\d+ms\b|(?<=\b(?:offset|leader epoch) )-?\d+\b")]
    private static partial Regex Varying();
}

/// <summary>A client's librdkafka lines and errors into a <see cref="KafkaClientLog"/>.</summary>
public static class KafkaClientLogExtensions
{
    public static ConsumerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ConsumerBuilder<TKey, TValue> builder, KafkaClientLog log)
        => builder.SetLogHandler((_, line) => log.OnLog(line)).SetErrorHandler((client, error) => log.OnError(client.Name, error));

    public static ProducerBuilder<TKey, TValue> LogTo<TKey, TValue>(this ProducerBuilder<TKey, TValue> builder, KafkaClientLog log)
        => builder.SetLogHandler((_, line) => log.OnLog(line)).SetErrorHandler((client, error) => log.OnError(client.Name, error));
}
