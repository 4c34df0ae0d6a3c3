using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

/// <summary>The ingest's settings as configuration binds them.</summary>
public sealed class KafkaIngestOptionsTests
{
    private static KafkaIngestOptions Bind(params (string Key, string Value)[] settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build()
            .GetSection(KafkaIngestOptions.SectionName).Get<KafkaIngestOptions>() ?? new KafkaIngestOptions();

    [Fact]
    public void Configured_input_topics_replace_the_default_topic_rather_than_join_it()
    {
        Assert.Equal([KafkaIngestOptions.DefaultInputTopic], Bind().EffectiveInputTopics);
        Assert.Equal(["acme.messages", "globex.messages"],
            Bind(("Ingest:InputTopics:0", "acme.messages"), ("Ingest:InputTopics:1", "globex.messages")).EffectiveInputTopics);
    }

    [Fact]
    public void The_default_input_topic_is_no_output_topic_either()
    {
        var options = Bind(("Ingest:OutputTopic", KafkaIngestOptions.DefaultInputTopic));

        Assert.Contains(options.Validate(new ValidationContext(options)), e => e.ErrorMessage!.Contains("must not be input topics", StringComparison.Ordinal));
    }

    /// <summary>librdkafka reads the number the text begins with (20000abc as 20000); the dead letters' cut read the default.</summary>
    [Theory]
    [InlineData("20000abc")]
    [InlineData("abc")]
    [InlineData("0x4000")]
    public void A_producer_message_max_bytes_that_is_not_a_decimal_number_is_refused_not_read_as_the_default(string setting)
    {
        var options = Bind(("Ingest:Producer:message.max.bytes", setting));

        Assert.Equal([$"Ingest:Producer:message.max.bytes must be a whole number of bytes in decimal (dead letters are cut to fit it), not '{setting}'."],
            options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage));
        var decimalBytes = Bind(("Ingest:Producer:message.max.bytes", "20000"));
        Assert.Empty(decimalBytes.Validate(new ValidationContext(decimalBytes)));
        Assert.Equal(20000, decimalBytes.ProducerMessageMaxBytes());
    }

    /// <summary>read_uncommitted hands the consumer the records of aborted transactions, and of open ones that may yet abort.</summary>
    [Fact]
    public void A_consumer_isolation_level_other_than_read_committed_is_refused()
    {
        var options = Bind(("Ingest:Consumer:isolation.level", "read_uncommitted"));

        Assert.Equal(["Ingest:Consumer:isolation.level must be read_committed, not 'read_uncommitted': the ingest would score the records of aborted transactions."],
            options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage));
        var committed = Bind(("Ingest:Consumer:isolation.level", "READ_COMMITTED"));
        Assert.Empty(committed.Validate(new ValidationContext(committed)));
    }

    /// <summary>
    /// A partition added to an input topic has no committed offset when the group first reads it, minutes after its first
    /// records (the next metadata refresh): with latest they were skipped without a trace; with error the partition stalled.
    /// </summary>
    [Theory]
    [InlineData("latest")]
    [InlineData("largest")]
    [InlineData("end")]
    [InlineData("error")]
    public void A_consumer_auto_offset_reset_other_than_earliest_is_refused(string reset)
    {
        var options = Bind(("Ingest:Consumer:auto.offset.reset", reset));

        Assert.Equal([$"Ingest:Consumer:auto.offset.reset must be earliest, not '{reset}': the ingest would skip the records written to a partition before it first reads it (a partition added to an input topic, a new group)."],
            options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage));
        foreach (var earliest in new[] { "earliest", "SMALLEST", "beginning" })
        {
            var accepted = Bind(("Ingest:Consumer:auto.offset.reset", earliest));
            Assert.Empty(accepted.Validate(new ValidationContext(accepted)));
        }
    }
}
