using System.Text.Json;
using System.Text.Json.Serialization;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The JSON of the output topics' values (camelCase, absent fields left out), written by generated code instead of
/// reflection-based metadata: the pipeline writes one value per match.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishedMatch))]
[JsonSerializable(typeof(PublishedUserMatches))]
[JsonSerializable(typeof(Digest))]
public sealed partial class OutputJson : JsonSerializerContext;
