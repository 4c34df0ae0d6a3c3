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

    [Fact]
    public void A_dictionary_or_collection_itself_is_no_key()
    {
        Assert.False(Known.IsRead("Ingest:Consumer"));
        Assert.False(Known.IsRead("Auth:ApiKeys:0"));
        Assert.NotEqual("Ingest:Consumer", Known.Closest("Ingest:Consumer"));
    }
}
