using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Apis;

/// <summary>
/// The request target's and headers' limits (<see cref="LimitsOptions.MaxRequestTargetBytes"/>,
/// <see cref="LimitsOptions.MaxRequestHeadersBytes"/>) answered as problem details: 414 and 431 that name the limit.
/// Kestrel answers requests past its own limits before any middleware sees them, with an empty body, so its limits are
/// set to twice these: only a request past those (or one Kestrel cannot parse at all: a malformed request line, 400)
/// still gets Kestrel's bare answer.
/// </summary>
public static class RequestHeadLimits
{
    public static void ConfigureKestrel(KestrelServerOptions kestrel, LimitsOptions limits)
    {
        kestrel.Limits.MaxRequestLineSize = 2 * limits.MaxRequestTargetBytes;
        kestrel.Limits.MaxRequestHeadersTotalSize = 2 * limits.MaxRequestHeadersBytes;
    }

    public static WebApplication UseRequestHeadLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var limits = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
            var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            if (target.Length > limits.MaxRequestTargetBytes)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status414UriTooLong, "Request target too long",
                    $"The request's path and query are {target.Length:N0} characters, more than the {limits.MaxRequestTargetBytes:N0} allowed (Limits:MaxRequestTargetBytes).");
                return;
            }
            // As Kestrel counts them: each header's name and value with their separators.
            var headers = context.Request.Headers.Sum(header => header.Key.Length + header.Value.Sum(value => (value?.Length ?? 0) + 4));
            if (headers > limits.MaxRequestHeadersBytes)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large",
                    $"The request's headers take {headers:N0} bytes, more than the {limits.MaxRequestHeadersBytes:N0} allowed (Limits:MaxRequestHeadersBytes).");
                return;
            }
            await next(context);
        });
        return app;
    }
}
