using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Users;

/// <summary>The rules an interest and a user id must follow; the HTTP layer and the user grain apply the same ones.</summary>
public sealed partial class InterestValidator(IOptions<InterestLimitsOptions> limits)
{
    public const string IdPattern = "^[A-Za-z0-9._:-]{1,128}$";

    /// <summary>An id, optionally prefixed by a tenant id and a slash.</summary>
    public const string UserIdPattern = "^(?:[A-Za-z0-9._:-]{1,128}/)?[A-Za-z0-9._:-]{1,128}$";

    public InterestLimitsOptions Limits => limits.Value;

    public static string? ValidateUserId(string? userId)
        => userId is not null && UserIdRegex().IsMatch(userId) ? null : $"user id must match {UserIdPattern}";

    /// <summary>The first rule <paramref name="input"/> breaks, reported at <paramref name="index"/>; null when valid.</summary>
    public InterestError? Validate(InterestInput input, int index)
    {
        if (input.Id is null || !IdRegex().IsMatch(input.Id))
        {
            return new InterestError(index, "id", $"interest id must match {IdPattern}");
        }
        if (string.IsNullOrWhiteSpace(input.Text))
        {
            return new InterestError(index, "text", "text is required");
        }
        if (input.Text.Length > limits.Value.MaxTextLength)
        {
            return new InterestError(index, "text", $"text has {input.Text.Length} characters; at most {limits.Value.MaxTextLength} are allowed");
        }
        if (input.Threshold is { } threshold && !(threshold is >= -1 and <= 1))
        {
            return new InterestError(index, "threshold", "threshold must be in [-1, 1]");
        }
        return null;
    }

    [GeneratedRegex(IdPattern)]
    private static partial Regex IdRegex();

    [GeneratedRegex(UserIdPattern)]
    private static partial Regex UserIdRegex();
}
