using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Server.Apis;

/// <summary>A write the tenant's quotas refused (<see cref="InterestError.QuotaField"/>): a 403 problem, not a 400 of the input.</summary>
internal static class QuotaProblems
{
    public static ProblemHttpResult? Of(IReadOnlyList<InterestError> errors)
        => errors.FirstOrDefault(e => e.Field == InterestError.QuotaField) is { } quota
            ? TypedResults.Problem(quota.Message, statusCode: StatusCodes.Status403Forbidden, title: "Tenant quota exceeded")
            : null;
}
