using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Grains.Users;

/// <summary>The rules an interest and a user id must follow; the HTTP layer and the user grain apply the same ones.</summary>
public sealed class InterestValidator(IOptions<InterestLimitsOptions> limits)
{
    public InterestLimitsOptions Limits => limits.Value;

    /// <summary>
    /// The thresholds an interest may have, in calibrated units (scores in (0, 1)) and raw ones (<c>Scoring:Calibration=None</c>,
    /// where a text without a known word scores 0) alike: above 0, so not every text matches, and at most 1.
    /// </summary>
    public const string ThresholdRange = "(0, 1]";

    /// <summary>Whether <paramref name="threshold"/> lies in <see cref="ThresholdRange"/> (NaN does not).</summary>
    public static bool IsValidThreshold(float threshold) => threshold is > 0 and <= 1;

    /// <summary>Why a threshold outside <see cref="ThresholdRange"/> is refused, for the field that holds it.</summary>
    public static string ThresholdRule(string field)
        => $"{field} must be in {ThresholdRange}: a text without a known word (an empty one too) scores 0 raw and just above 0 calibrated, so 0 or less would match every message";

    public static string? ValidateUserId(string? userId)
        => userId is null ? "a user id is required" : Ids.IsValidUser(userId) ? null : $"user id must match {Ids.UserPattern}";

    /// <summary>The first rule <paramref name="input"/> breaks, reported at <paramref name="index"/>; null when valid.</summary>
    public InterestError? Validate(InterestInput input, int index)
    {
        if (!Ids.IsValid(input.Id))
        {
            return new InterestError(index, "id", $"interest id must match {Ids.Pattern}");
        }
        if (string.IsNullOrWhiteSpace(input.Text))
        {
            return new InterestError(index, "text", "text is required");
        }
        if (input.Text.Length > limits.Value.MaxTextLength)
        {
            return new InterestError(index, "text", $"text has {input.Text.Length} characters; at most {limits.Value.MaxTextLength} are allowed");
        }
        if (input.Threshold is { } threshold && !IsValidThreshold(threshold))
        {
            return new InterestError(index, "threshold", ThresholdRule("threshold"));
        }
        return ValidateKeywords(input.Require, "require", index) ?? ValidateKeywords(input.Exclude, "exclude", index)
            ?? (KeywordRules.Normalize(input.Require)?.Intersect(KeywordRules.Normalize(input.Exclude) ?? []).FirstOrDefault() is { } both
                ? new InterestError(index, "exclude", $"'{both}' is both required and excluded, so nothing could match")
                : null);
    }

    /// <summary>A keyword list's first broken rule: at most <see cref="InterestLimitsOptions.MaxKeywords"/> terms, each with a letter or digit and not too long.</summary>
    private InterestError? ValidateKeywords(IReadOnlyList<string?>? terms, string field, int index)
    {
        if (terms is null)
        {
            return null;
        }
        if (terms.Count > limits.Value.MaxKeywords)
        {
            return new InterestError(index, field, $"{field} has {terms.Count} terms; at most {limits.Value.MaxKeywords} are allowed");
        }
        for (var t = 0; t < terms.Count; t++)
        {
            if (terms[t] is not { } term || LexicalWords.Split(term).Length == 0)
            {
                return new InterestError(index, $"{field}[{t}]", "a term needs at least one letter or digit");
            }
            if (term.Length > limits.Value.MaxKeywordLength)
            {
                return new InterestError(index, $"{field}[{t}]", $"term has {term.Length} characters; at most {limits.Value.MaxKeywordLength} are allowed");
            }
        }
        return null;
    }
}
