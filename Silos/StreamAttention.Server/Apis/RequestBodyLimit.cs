using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Apis;

/// <summary>
/// <see cref="LimitsOptions.MaxRequestBodyBytes"/> on the endpoints that take a large body: a larger body fails with
/// 413 while it is read, a problem that names the limit. Set by a middleware after routing, because the body is read
/// before any endpoint filter runs.
/// </summary>
public sealed class RequestBodyLimit
{
    private static readonly RequestBodyLimit Marker = new();

    private RequestBodyLimit()
    {
    }

    internal static TBuilder Apply<TBuilder>(TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Marker);
}

public static class RequestBodyLimitExtensions
{
    public static WebApplication UseRequestBodyLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>() is null
                || context.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { IsReadOnly: false } size)
            {
                await next(context);
                return;
            }
            var limit = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxRequestBodyBytes;
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
                    $"The request body is larger than {limit:N0} bytes, the most allowed here (Limits:MaxRequestBodyBytes).");
            }
        });
        return app;
    }

    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => RequestBodyLimit.Apply(builder);
}
