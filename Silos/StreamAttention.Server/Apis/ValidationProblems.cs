using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Server.Apis;

/// <summary>RFC 7807 validation problems (400) keyed by the offending field.</summary>
internal static class ValidationProblems
{
    public static ValidationProblem Of(string field, string message) => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { [field] = [message] }, detail: message);

    public static ValidationProblem Of(IReadOnlyList<InterestError> errors) => TypedResults.ValidationProblem(
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
        detail: string.Join("; ", errors.Select(e => e.Message)));

    /// <summary>A problem when <paramref name="userId"/> is not a valid user id, else null.</summary>
    public static ValidationProblem? ForUserId(string userId)
        => InterestValidator.ValidateUserId(userId) is { } error ? Of("userId", error) : null;
}
