using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Ingest.Diagnostics;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace StreamAttention.Ingest.Tests;

public sealed class KafkaClientLogTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<(LogLevel Level, string Text)> _lines = [];

    private KafkaClientLog Log() => new(new ListLogger(_lines), _time);

    [Fact]
    public void A_repeated_error_is_logged_once_a_minute_with_how_often_it_occurred_meanwhile()
    {
        var log = Log();

        for (var i = 0; i < 100; i++)
        {
            // librdkafka words each attempt with its own duration.
            log.OnError("rdkafka#consumer-1", new Error(ErrorCode.Local_Transport, $"127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after {i % 3}ms in state CONNECT)"));
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }
        _time.Advance(KafkaClientLog.RepeatInterval);
        log.OnError("rdkafka#consumer-1", new Error(ErrorCode.Local_Transport, "127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 7ms in state CONNECT)"));

        Assert.Equal(2, _lines.Count);
        Assert.Equal((LogLevel.Warning, "Kafka rdkafka#consumer-1 Local_Transport: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)"), _lines[0]);
        Assert.EndsWith("(after 7ms in state CONNECT) (and 99 times more since it was last logged)", _lines[1].Text);
    }

    [Fact]
    public void A_fetch_error_repeated_at_other_offsets_is_logged_once_a_minute_naming_its_partition()
    {
        var log = Log();

        for (var offset = 40; offset < 50; offset++)
        {
            log.OnConsumeError("rdkafka#consumer-1", new ConsumeException(
                new ConsumeResult<byte[], byte[]> { TopicPartitionOffset = new TopicPartitionOffset("in", 2, offset) },
                new Error(ErrorCode.RequestTimedOut, $"Fetch from broker 1 failed at offset {offset} (leader epoch {offset / 45}): Broker: Request timed out")));
        }

        Assert.Equal([(LogLevel.Warning, "Kafka rdkafka#consumer-1 RequestTimedOut: in [[2]]: Fetch from broker 1 failed at offset 40 (leader epoch 0): Broker: Request timed out")], _lines);
    }

    [Fact]
    public void Different_lines_clients_and_levels_are_each_logged_and_a_fatal_error_is_an_error()
    {
        var log = Log();

        log.OnError("rdkafka#producer-1", new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"));
        log.OnError("rdkafka#producer-2", new Error(ErrorCode.Local_AllBrokersDown, "1/1 brokers are down"));
        log.OnError("rdkafka#producer-1", new Error(ErrorCode.Local_Fatal, "producer fenced", isFatal: true));
        log.OnLog(new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL", "127.0.0.1:1/bootstrap: Connect failed"));
        log.OnLog(new LogMessage("rdkafka#producer-1", SyslogLevel.Info, "CONFWARN", "linger.ms is a producer property"));
        log.OnLog(new LogMessage("rdkafka#producer-1", SyslogLevel.Error, "FAIL", "127.0.0.1:1/bootstrap: Connect failed"));

        Assert.Equal(
            [
                (LogLevel.Warning, "Kafka rdkafka#producer-1 Local_AllBrokersDown: 1/1 brokers are down"),
                (LogLevel.Warning, "Kafka rdkafka#producer-2 Local_AllBrokersDown: 1/1 brokers are down"),
                (LogLevel.Error, "Kafka rdkafka#producer-1 Local_Fatal: producer fenced"),
                (LogLevel.Error, "Kafka rdkafka#producer-1 FAIL: 127.0.0.1:1/bootstrap: Connect failed"),
                (LogLevel.Information, "Kafka rdkafka#producer-1 CONFWARN: linger.ms is a producer property"),
            ],
            _lines);
    }
}
