using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Apis;

/// <summary>
/// <see cref="LimitsOptions.MaxRequestBodyBytes"/> on the endpoints that take a large body: a larger body fails with
/// 413 while it is read. Set by a middleware after routing, because the body is read before any endpoint filter runs.
/// </summary>
public sealed class RequestBodyLimit
{
    private static readonly RequestBodyLimit Marker = new();

    private RequestBodyLimit()
    {
    }

    public static WebApplication UseRequestBodyLimits(WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>() is not null
                && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxRequestBodyBytes;
            }
            return next(context);
        });
        return app;
    }

    internal static TBuilder Apply<TBuilder>(TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Marker);
}

public static class RequestBodyLimitExtensions
{
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => RequestBodyLimit.Apply(builder);
}
