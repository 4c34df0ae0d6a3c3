using StreamAttention.Contracts;

namespace StreamAttention.Silo.IO;

/// <summary>The JSON Lines formats of the offline commands: interests.jsonl and messages.jsonl.</summary>
public static class ScoringFiles
{
    /// <summary>Lines <c>{"id", "text", "userId"?, "threshold"?, "require"?, "exclude"?}</c>; ids unique per user.</summary>
    public static JsonLinesReader<InterestDefinition> Interests(string path, TextWriter errors) => new(path, record => new InterestDefinition(
        JsonRecord.RequiredString(record, "id", allowEmpty: false),
        JsonRecord.RequiredString(record, "text", allowEmpty: false),
        JsonRecord.OptionalString(record, "userId"),
        JsonRecord.OptionalNumber(record, "threshold", -1, 1),
        JsonRecord.OptionalTerms(record, "require"),
        JsonRecord.OptionalTerms(record, "exclude")), errors);

    /// <summary>Lines <c>{"id", "text"}</c>; an empty text is valid (it matches nothing above a threshold of 0).</summary>
    public static JsonLinesReader<MessageText> Messages(string path, TextWriter errors) => new(path, record => new MessageText(
        JsonRecord.RequiredString(record, "id", allowEmpty: false),
        JsonRecord.RequiredString(record, "text")), errors);

    /// <summary>Reads interests, skipping (and reporting) a repeated (userId, id) so the index never sees a duplicate.</summary>
    public static List<InterestDefinition> ReadUniqueInterests(JsonLinesReader<InterestDefinition> reader, TextWriter errors, out int duplicates)
    {
        var seen = new HashSet<(string?, string)>();
        var interests = new List<InterestDefinition>();
        duplicates = 0;
        foreach (var interest in reader.Read())
        {
            if (seen.Add((interest.UserId, interest.Id)))
            {
                interests.Add(interest);
            }
            else
            {
                duplicates++;
                errors.WriteLine($"{reader.Position}: skipped: duplicate id '{interest.Id}' for user '{interest.UserId ?? "(none)"}' (the first definition is kept)");
            }
        }
        return interests;
    }
}
