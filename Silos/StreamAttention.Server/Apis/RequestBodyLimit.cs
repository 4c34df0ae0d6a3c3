using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Apis;

/// <summary>
/// A body limit of <see cref="LimitsOptions"/> on an endpoint: a larger body fails with 413 while it is read, a problem
/// that names the limit. Set by a middleware after routing, because the body is read before any endpoint filter runs.
/// </summary>
public sealed class RequestBodyLimit
{
    /// <summary><see cref="LimitsOptions.MaxRequestBodyBytes"/>: <c>/score</c> and the bulk import.</summary>
    internal static readonly RequestBodyLimit Bulk = new(nameof(LimitsOptions.MaxRequestBodyBytes), limits => limits.MaxRequestBodyBytes);

    /// <summary><see cref="LimitsOptions.MaxUserRequestBodyBytes"/>: a user's interest, policy or feedback, which any user may send.</summary>
    internal static readonly RequestBodyLimit User = new(nameof(LimitsOptions.MaxUserRequestBodyBytes), limits => limits.MaxUserRequestBodyBytes);

    private RequestBodyLimit(string setting, Func<LimitsOptions, long> bytes) => (Setting, Bytes) = ($"{LimitsOptions.SectionName}:{setting}", bytes);

    /// <summary>The setting's key, as the 413 names it.</summary>
    internal string Setting { get; }

    internal Func<LimitsOptions, long> Bytes { get; }
}

public static class RequestBodyLimitExtensions
{
    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>() is not { } bodyLimit
                || context.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { IsReadOnly: false } size)
            {
                await next(context);
                return;
            }
            var limit = bodyLimit.Bytes(context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value);
            size.MaxRequestBodySize = limit;
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                // A handler that reads the body itself (the import) gets Kestrel's exception: the same answer as a bound body's.
                context.Response.StatusCode = tooLarge.StatusCode;
            }
            if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                    $"The request body is larger than {limit:N0} bytes, the most allowed here ({bodyLimit.Setting}).");
            }
        });
        return app;
    }

    /// <summary><see cref="LimitsOptions.MaxRequestBodyBytes"/> on a route that takes a large body (<c>/score</c>, the bulk import).</summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(RequestBodyLimit.Bulk);

    /// <summary><see cref="LimitsOptions.MaxUserRequestBodyBytes"/> on a user's routes, whose bodies are small.</summary>
    public static TBuilder WithUserRequestBodyLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(RequestBodyLimit.User);
}
