using Microsoft.AspNetCore.Routing.Patterns;

namespace StreamAttention.Server.Dashboard;

/// <summary>
/// The Orleans dashboard's routes that name a silo (<c>/orleans/SiloProperties/{address}</c>, <c>SiloCounters</c>,
/// <c>SiloMetadata</c>, <c>SiloStats</c>, <c>HistoricalStats</c>) answer a silo address that does not parse with 400 and
/// one that is no member of the cluster with 404, and one the cluster lists but not as active (declared dead, stopping)
/// with 503 naming it and its status, as problem details: the library itself answered the first with a bare 500 (its
/// parse failure) and the last with a bare 503, which an operator reads as the dashboard broken.
/// </summary>
internal sealed class OrleansDashboardSiloFilter(ISiloStatusOracle silos) : IEndpointFilter
{
    /// <summary>The library's routes whose one parameter is a silo address (its fonts' and images' routes take a path too).</summary>
    private static readonly string[] SiloRoutes = ["HistoricalStats", "SiloProperties", "SiloMetadata", "SiloStats", "SiloCounters"];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.GetEndpoint() is not RouteEndpoint { RoutePattern: var route }
            || !route.PathSegments.Any(segment => segment.IsSimple && segment.Parts[0] is RoutePatternLiteralPart literal && SiloRoutes.Contains(literal.Content))
            || context.HttpContext.Request.RouteValues[route.Parameters.Single().Name] is not string text)
        {
            return await next(context);
        }
        if (Parse(text) is not { } silo)
        {
            return TypedResults.Problem($"'{text}' is not a silo address: the dashboard names silos as ip:port@generation, e.g. 127.0.0.1:11111@123456789.",
                statusCode: StatusCodes.Status400BadRequest, title: "Not a silo address");
        }
        if (!silos.GetApproximateSiloStatuses(onlyActive: false).TryGetValue(silo, out var status))
        {
            return TypedResults.Problem($"The cluster has no silo {text} (it may have left long ago).", statusCode: StatusCodes.Status404NotFound, title: "No such silo");
        }
        if (status != SiloStatus.Active)
        {
            return TypedResults.Problem($"Silo {text} is {status} in the cluster's membership: only an active silo reports its figures"
                + (status == SiloStatus.Dead ? " (it was declared dead: it stopped, or the others lost its probes)." : "."),
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Silo not active");
        }
        return await next(context);
    }

    private static SiloAddress? Parse(string text)
    {
        try
        {
            return SiloAddress.FromParsableString(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return null;
        }
    }
}
