using System.Text.RegularExpressions;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

public sealed partial class SettingKeysTests
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

    /// <summary>Every key the options tables of README.md and Silos/README.md document: the docs name only what the code reads.</summary>
    [Fact]
    public void Every_documented_key_is_read()
    {
        var documented = DocumentedKeys("README.md").Concat(DocumentedKeys("Silos/README.md")).ToList();

        Assert.InRange(documented.Count, 100, int.MaxValue);
        var unread = documented.Where(key => !Known.IsOwned(key) || !Known.IsRead(key)).ToList();
        Assert.True(unread.Count == 0, $"documented, read by nothing: {string.Join(", ", unread)}");
    }

    /// <summary>
    /// The keys in the first column of the tables headed "key": a key in full, or after a key of the same cell only its last
    /// segment (<c>`Sha256`</c>, <c>`…:MaxInterests`</c>); <c>{A,B}</c> is each of A and B, another <c>{name}</c> or <c>N</c>
    /// any dictionary key or index; a key ending in <c>*</c> (any of a type's keys) is left out.
    /// </summary>
    private static IEnumerable<string> DocumentedKeys(string document)
    {
        var inKeyTable = false;
        foreach (var line in File.ReadLines(TestFiles.Repository(document).FullName))
        {
            inKeyTable = line.StartsWith("| key |", StringComparison.Ordinal) || (inKeyTable && line.StartsWith('|'));
            if (!inKeyTable || line.StartsWith("|---", StringComparison.Ordinal))
            {
                continue;
            }
            var previous = "";
            foreach (Match name in BacktickedName().Matches(line.Split('|')[1]))
            {
                var text = name.Groups[1].Value.Replace("…:", "", StringComparison.Ordinal);
                var key = text.Contains(':') ? text : previous[..(previous.LastIndexOf(':') + 1)] + text;
                previous = key;
                if (!key.EndsWith('*'))
                {
                    foreach (var expanded in Expand(key.Split(':')))
                    {
                        yield return expanded;
                    }
                }
            }
        }
    }

    private static IEnumerable<string> Expand(IReadOnlyList<string> segments)
    {
        if (segments.Count == 0)
        {
            return [""];
        }
        var first = segments[0];
        var choices = first == "N" ? ["0"]
            : first.StartsWith('{') && first.Contains(',') ? first.Trim('{', '}').Split(',')
            : first.StartsWith('{') ? ["some-name"]
            : new[] { first };
        return choices.SelectMany(choice => Expand(segments.Skip(1).ToList()).Select(rest => rest.Length == 0 ? choice : $"{choice}:{rest}"));
    }

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex BacktickedName();
}
