using System.Text.Json.Serialization.Metadata;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Each output kind's fields, as <see cref="OutputJson"/> writes its record, against the version its schema header
/// (<see cref="OutputSchema"/>) names. When this fails: a field removed, renamed or given another meaning raises the
/// kind's version (the constant, and here its version and fields); an added field goes into the list alone. A dead
/// letter's value is its message's: its headers are asserted by the dead-letter tests.
/// </summary>
public sealed class OutputSchemaTests
{
    [Theory]
    [InlineData("match/1")]
    [InlineData("user-matches/1")]
    [InlineData("digest/1")]
    public void A_kinds_fields_are_those_of_the_version_its_header_names(string version)
    {
        var (schema, record, fields) = version switch
        {
            "match/1" => (OutputSchema.Match, typeof(PublishedMatch), new[]
            {
                "matchId", "delivery", "duplicateOf", "messageId", "interestId", "userId", "score", "highlights[].token", "highlights[].weight",
                "text", "timestamp", "attributes", "source.topic", "source.partition", "source.offset", "truncated", "rawScore",
            }),
            "user-matches/1" => (OutputSchema.UserMatches, typeof(PublishedUserMatches), new[]
            {
                "userId", "messages[].messageId", "messages[].text", "messages[].timestamp", "messages[].attributes", "messages[].source.topic",
                "messages[].source.partition", "messages[].source.offset", "messages[].matches[].matchId", "messages[].matches[].delivery",
                "messages[].matches[].duplicateOf", "messages[].matches[].interestId", "messages[].matches[].score", "messages[].matches[].highlights[].token",
                "messages[].matches[].highlights[].weight", "messages[].matches[].truncated", "messages[].matches[].rawScore",
            }),
            _ => (OutputSchema.Digest, typeof(Digest), new[]
            {
                "id", "userId", "at", "reason", "total", "groups[].interestId", "groups[].top[].at", "groups[].top[].interestId", "groups[].top[].text",
                "groups[].top[].score", "groups[].top[].highlights[].token", "groups[].top[].highlights[].weight", "groups[].top[].matchId",
                "groups[].top[].delivery", "groups[].top[].duplicateOf", "groups[].top[].truncated", "groups[].top[].rawScore", "groups[].top[].source",
                "groups[].top[].messageId", "groups[].more", "repeats[].matchId", "repeats[].interestId", "repeats[].count", "repeats[].lastAt",
                "repeats[].lastScore", "repeats[].bestScore", "repeats[].lastText", "moreRepeats",
            }),
        };

        Assert.Equal(version, schema);
        Assert.Equal(fields, FieldsOf(OutputJson.Records.GetTypeInfo(record)!, ""));
    }

    /// <summary>The JSON names of an object's fields, those of the objects it holds by their path ("source.topic"; a list's items "highlights[].token").</summary>
    private static IEnumerable<string> FieldsOf(JsonTypeInfo info, string path) => info.Kind switch
    {
        JsonTypeInfoKind.Object => info.Properties.SelectMany(field => FieldsOf(OutputJson.Records.GetTypeInfo(field.PropertyType)!, path.Length == 0 ? field.Name : $"{path}.{field.Name}")),
        JsonTypeInfoKind.Enumerable => FieldsOf(OutputJson.Records.GetTypeInfo(info.ElementType!)!, path + "[]"),
        _ => [path],
    };
}
