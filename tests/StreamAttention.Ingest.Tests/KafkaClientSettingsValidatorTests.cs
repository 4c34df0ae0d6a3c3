using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

public sealed class KafkaClientSettingsValidatorTests
{
    [Fact]
    public void A_setting_librdkafka_refuses_is_named_by_its_key_with_librdkafkas_reason()
    {
        var options = new KafkaIngestOptions
        {
            Consumer = { ["fetch.wait.max.ms"] = "50", ["sesion.timeout.ms"] = "10000" },
            // linger.ms is librdkafka's alias of queue.buffering.max.ms, which its reason names.
            Producer = { ["compression.type"] = "lz4", ["linger.ms"] = "abc" },
        };

        var consumer = KafkaClientSettingsValidator.Consumer.Validate(null, options);
        var producer = KafkaClientSettingsValidator.Producer.Validate(null, options);

        Assert.Equal(["Ingest:Consumer:sesion.timeout.ms: librdkafka refused it: No such configuration property: \"sesion.timeout.ms\""], consumer.Failures);
        Assert.Equal(["Ingest:Producer:linger.ms: librdkafka refused it: Invalid value for configuration property \"queue.buffering.max.ms\""], producer.Failures);
    }

    /// <summary>
    /// librdkafka refuses security.protocol=SASL_SSL made into a client alone, without the mechanism set beside it: the
    /// mistyped setting is named, not that one.
    /// </summary>
    [Fact]
    public void A_mistyped_setting_is_named_not_one_that_librdkafka_refuses_only_without_the_settings_beside_it()
    {
        string[] sasl = ["security.protocol=SASL_SSL", "sasl.mechanism=PLAIN", "sasl.username=ingest", "sasl.password=secret"];
        var options = new KafkaIngestOptions();
        foreach (var (key, value) in sasl.Select(setting => setting.Split('=')).Select(kv => (kv[0], kv[1])))
        {
            options.Consumer[key] = value;
            options.Producer[key] = value;
        }
        options.Consumer["sesion.timeout.ms"] = "10000";
        options.Producer["linger.ms"] = "abc";

        var consumer = KafkaClientSettingsValidator.Consumer.Validate(null, options);
        var producer = KafkaClientSettingsValidator.Producer.Validate(null, options);

        Assert.Equal(["Ingest:Consumer:sesion.timeout.ms: librdkafka refused it: No such configuration property: \"sesion.timeout.ms\""], consumer.Failures);
        Assert.Equal(["Ingest:Producer:linger.ms: librdkafka refused it: Invalid value for configuration property \"queue.buffering.max.ms\""], producer.Failures);
    }

    [Fact]
    public void Settings_librdkafka_refuses_only_together_are_named_by_their_section()
    {
        // A KIP-848 group takes its session from the broker: librdkafka refuses one set beside it.
        var options = new KafkaIngestOptions { Consumer = { ["group.protocol"] = "consumer", ["session.timeout.ms"] = "10000" } };

        var consumer = KafkaClientSettingsValidator.Consumer.Validate(null, options);

        Assert.StartsWith("Ingest:Consumer: librdkafka refused the settings: ", Assert.Single(consumer.Failures!));
    }

    /// <summary>replay-dead-letters took the ingest's settings unchecked: a mistyped one failed its client's build with Confluent.Kafka's exception and stack.</summary>
    [Fact]
    public void The_replays_settings_are_checked_as_the_ingests_each_named_as_it_was_given()
    {
        var fromConfiguration = new DeadLetterReplayOptions { Consumer = { ["sesion.timeout.ms"] = "10000" }, Producer = { ["compression.type"] = "lz4" } };
        var fromCommandLine = new DeadLetterReplayOptions { Producer = { ["compression.type"] = "lz4" }, Kafka = { ["linger.ms"] = "abc" } };

        Assert.Equal(["Ingest:Consumer:sesion.timeout.ms: librdkafka refused it: No such configuration property: \"sesion.timeout.ms\""],
            KafkaClientSettingsValidator.ReplayConsumer.Validate(null, fromConfiguration).Failures);
        Assert.True(KafkaClientSettingsValidator.ReplayProducer.Validate(null, fromConfiguration).Succeeded);
        Assert.Equal(["--kafka-setting linger.ms: librdkafka refused it: Invalid value for configuration property \"queue.buffering.max.ms\""],
            KafkaClientSettingsValidator.ReplayProducer.Validate(null, fromCommandLine).Failures);
        Assert.True(KafkaClientSettingsValidator.ReplayConsumer.Validate(null, new DeadLetterReplayOptions { Consumer = { ["session.timeout.ms"] = "10000" } }).Succeeded);
    }

    [Fact]
    public void Settings_librdkafka_takes_pass()
    {
        var options = new KafkaIngestOptions
        {
            InstanceId = "ingest-0",
            Consumer = { ["session.timeout.ms"] = "10000", ["fetch.wait.max.ms"] = "50" },
            Producer = { ["compression.type"] = "lz4", ["message.max.bytes"] = "20000" },
        };

        Assert.True(KafkaClientSettingsValidator.Consumer.Validate(null, options).Succeeded);
        Assert.True(KafkaClientSettingsValidator.Producer.Validate(null, options).Succeeded);
    }
}
