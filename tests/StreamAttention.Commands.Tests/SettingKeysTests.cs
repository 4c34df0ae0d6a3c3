using Microsoft.Extensions.Configuration;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

public sealed class SettingKeysTests
{
    private static readonly SettingKeys Known = SettingKeys.OfStreamAttention;

    [Theory]
    [InlineData("Scoring:DefaultThreshold")]
    [InlineData("Scoring:Batching:MaxBatchSize")]
    [InlineData("Embeddings:Transformer:VocabPath")]
    [InlineData("Ingest:Output:MaxRecordBytes")]
    [InlineData("Samples:Topic")]
    // In any case, as the configuration compares keys.
    [InlineData("scoring:defaultthreshold")]
    [InlineData("EMBEDDINGS:PROVIDER")]
    // Read from the configuration by name, not bound to options of ours.
    [InlineData("Embeddings:Provider")]
    [InlineData("Cluster:Membership:ProbeTimeout")]
    // Any key below a dictionary; any index of a collection.
    [InlineData("Ingest:Consumer:security.protocol")]
    [InlineData("Tenants:Overrides:acme:MaxUsers")]
    [InlineData("Scoring:CalibrationModels:mymodel:A")]
    [InlineData("Auth:ApiKeys:3:Sha256")]
    [InlineData("Ingest:InputTopics:0")]
    public void A_key_some_setting_reads_is_read(string key) => Assert.True(Known.IsRead(key), key);

    [Theory]
    [InlineData("Embeddings:Providr", "Embeddings:Provider")]
    [InlineData("Embeddings:Transformer:VocabularyPath", "Embeddings:Transformer:VocabPath")]
    [InlineData("scoring:defaultTreshold", "Scoring:DefaultThreshold")]
    [InlineData("Cluster:Membership:ProbeTimout", "Cluster:Membership:ProbeTimeout")]
    [InlineData("Ingest:Consumr:security.protocol", "Ingest:Consumer:security.protocol")]
    [InlineData("Auth:ApiKeys:2:Nam", "Auth:ApiKeys:2:Name")]
    // Below a dictionary's key: what its items bind, as below a collection's index.
    [InlineData("Scoring:CalibrationModels:glove:Aa", "Scoring:CalibrationModels:glove:A")]
    [InlineData("Tenants:Overrides:acme:MaxUser", "Tenants:Overrides:acme:MaxUsers")]
    [InlineData("Scoring:Frobnicate", null)]
    public void A_mistyped_key_is_read_by_nothing_and_the_key_it_is_near_is_suggested(string key, string? suggestion)
    {
        Assert.False(Known.IsRead(key), key);
        Assert.Equal(suggestion, Known.Closest(key));
    }

    [Theory]
    [InlineData("Logging:LogLevel:Default")]
    [InlineData("Kestrel:Endpoints:Http:Url")]
    [InlineData("Orleans:Clustering:ProviderType")]
    [InlineData("MODEL_DIR")]
    public void A_key_under_a_root_section_StreamAttention_does_not_own_is_not_checked(string key)
    {
        Assert.False(Known.IsOwned(key), key);
        Assert.True(Known.IsRead(key), key);
    }

    /// <summary>The embedded Kafka library's section, which no command binds (kafka-dev and local mode take options instead).</summary>
    [Theory]
    [InlineData("EmbeddedKafka:BrokerCount")]
    [InlineData("EmbeddedKafka:Topics:streamattention.messages")]
    public void A_key_under_a_section_of_ours_that_no_command_binds_is_read_by_nothing(string key)
    {
        Assert.True(Known.IsOwned(key), key);
        Assert.False(Known.IsRead(key), key);
    }

    [Theory]
    [InlineData("Scoring:CalibrationModels:glove:Slope")]
    [InlineData("Scoring:CalibrationModels:glove")]
    [InlineData("Tenants:Overrides:acme:Quota:MaxUsers")]
    [InlineData("Ingest:Consumer:sasl:mechanism")]
    public void A_key_below_a_dictionarys_key_that_its_items_do_not_bind_is_read_by_nothing(string key) => Assert.False(Known.IsRead(key), key);

    [Fact]
    public void A_dictionary_or_collection_itself_is_no_key()
    {
        Assert.False(Known.IsRead("Ingest:Consumer"));
        Assert.False(Known.IsRead("Auth:ApiKeys:0"));
        Assert.NotEqual("Ingest:Consumer", Known.Closest("Ingest:Consumer"));
    }

    [Theory]
    [InlineData("Ingest:MaxBatchWait", "50ms", "a time span written [d.]hh:mm:ss[.fffffff] (00:00:00.050 for 50 ms, 1.00:00:00 for a day)")]
    [InlineData("Auth:Enabled", "yes", "true or false")]
    [InlineData("Scoring:Tier", "fastest", "one of Fast, Cascade, Contextual")]
    [InlineData("Scoring:DefaultThreshold", "0,8", "a number with a point for decimals (0.75)")]
    [InlineData("Cluster:SiloPort", "11111.5", "a whole number")]
    // Below a dictionary's key and a collection's index, as the binder binds them.
    [InlineData("Scoring:CalibrationModels:glove:A", "one", "a number with a point for decimals (0.75)")]
    [InlineData("Tenants:Overrides:acme:MaxUsers", "many", "a whole number")]
    public void A_value_that_does_not_convert_to_its_keys_type_is_named_with_what_the_key_takes(string key, string value, string accepted)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:MaxBatchWait"] = "00:00:00.050",
            ["Auth:Enabled"] = "False",
            ["Scoring:Tier"] = "cascade",
            ["Scoring:DefaultThreshold"] = "0.8",
            ["Logging:LogLevel:Default"] = "yes",
            ["Scoring:DefaultTreshold"] = "abc",
            [key] = value,
        }).Build();

        Assert.Equal($"{key} is '{value}'; it takes {accepted}", Known.FirstValueThatDoesNotConvert(configuration));
    }

    [Fact]
    public void Values_that_convert_or_keys_that_no_setting_of_ours_reads_are_not_refused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:MaxBatchWait"] = "00:00:00.050",
            ["Auth:Enabled"] = "true",
            ["Scoring:Tier"] = "CASCADE",
            ["Ingest:Consumer:session.timeout.ms"] = "10000",
            ["Logging:LogLevel:Default"] = "yes",
            ["Scoring:DefaultTreshold"] = "abc",
        }).Build();

        Assert.Null(Known.FirstValueThatDoesNotConvert(configuration));
    }
}
