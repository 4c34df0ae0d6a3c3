using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The JSON of the output topics' values (camelCase, absent fields left out), written by generated code instead of
/// reflection-based metadata: the pipeline writes one value per match. <see cref="Records"/> writes text as it is
/// (<see cref="Encoder"/>): the values are read by programs, not put in HTML, so escaping every non-ASCII character,
/// '+' and '&amp;' would only make them longer (up to 6 times for CJK text) and unlike the input. (Characters beyond
/// the Basic Multilingual Plane, emoji, are still escaped: System.Text.Json's encoders always do.)
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishedMatch))]
[JsonSerializable(typeof(PublishedUserMatches))]
[JsonSerializable(typeof(Digest))]
public sealed partial class OutputJson : JsonSerializerContext
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The context the output topics' values are written with.</summary>
    public static OutputJson Records { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = Encoder,
    });
}
