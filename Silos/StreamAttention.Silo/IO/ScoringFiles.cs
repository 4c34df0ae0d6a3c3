using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Users;

namespace StreamAttention.Silo.IO;

/// <summary>The JSON Lines formats of the offline commands: interests.jsonl and messages.jsonl.</summary>
public static class ScoringFiles
{
    /// <summary>The service's own rules with its default limits.</summary>
    private static readonly InterestValidator DefaultValidator = new(Microsoft.Extensions.Options.Options.Create(new InterestLimitsOptions()));

    /// <summary>
    /// Lines <c>{"id", "text", "userId"?, "threshold"?, "require"?, "exclude"?}</c>; ids unique per user. A line the
    /// service would refuse (<see cref="InterestValidator"/> with <paramref name="limits"/>, the service's defaults
    /// when null: an id, a text too long, a threshold out of range, keyword lists too long or contradictory, a user id) is a bad line, so a
    /// backtest scores only interests the service would take.
    /// </summary>
    public static JsonLinesReader<InterestDefinition> Interests(string path, TextWriter errors, InterestLimitsOptions? limits = null)
    {
        var validator = limits is null ? DefaultValidator : new InterestValidator(Microsoft.Extensions.Options.Options.Create(limits));
        return new(path, record => Interest(record, validator), errors);
    }

    private static InterestDefinition Interest(System.Text.Json.JsonElement record, InterestValidator validator)
    {
        var interest = new InterestDefinition(
            JsonRecord.RequiredString(record, "id", allowEmpty: false),
            JsonRecord.RequiredString(record, "text", allowEmpty: false),
            JsonRecord.OptionalString(record, "userId"),
            JsonRecord.OptionalNumber(record, "threshold"),
            JsonRecord.OptionalTerms(record, "require"),
            JsonRecord.OptionalTerms(record, "exclude"));
        var refused = validator.Validate(new InterestInput(interest.Id, interest.Text, interest.Threshold, interest.Require, interest.Exclude), 0);
        if (refused is not null)
        {
            throw new FormatException($"field '{refused.Field}': {refused.Message}");
        }
        if (interest.UserId is { } userId && InterestValidator.ValidateUserId(userId) is { } badUser)
        {
            throw new FormatException($"field 'userId': {badUser}");
        }
        return interest;
    }

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
