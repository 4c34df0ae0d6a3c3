using StreamAttention.Contracts.Grains;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Server.Apis;

public static class StreamAttentionApis
{
    /// <summary>
    /// Problem details (RFC 7807) for every error: malformed requests say what is wrong where (BadRequestDetails), a silo lost
    /// mid-request, a timed-out grain call or storage that does not answer is a 503 (retry), unexpected failures a 500 without internals; and the OpenAPI document.
    /// </summary>
    public static IServiceCollection AddStreamAttentionApis(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Type ??= ProblemResponses.TypeOf(context.ProblemDetails.Status);
            switch (context.Exception)
            {
                case BadHttpRequestException badRequest:
                    context.ProblemDetails.Detail = BadRequestDetails.Describe(badRequest);
                    break;
                case SiloUnavailableException or OrleansMessageRejectionException:
                    context.ProblemDetails.Detail = "A silo became unavailable and the cluster is moving its grains; retry in a few seconds.";
                    break;
                case { } failure when ClusterFailures.IsStorageUnavailable(failure):
                    context.ProblemDetails.Detail = "The cluster's storage did not answer; retry later.";
                    break;
                case TimeoutException:
                    context.ProblemDetails.Detail = "The cluster did not answer in time: it is overloaded or recovering from a lost silo; retry later.";
                    break;
                case null when context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null:
                    // Routing refused the body's type before any endpoint ran (curl --data-binary sends a form's type).
                    context.ProblemDetails.Detail = $"The body's content type ({context.HttpContext.Request.ContentType ?? "none"}) is not one this endpoint takes: "
                        + (context.HttpContext.Request.Path.Value?.EndsWith(ImportApi.PathSuffix, StringComparison.Ordinal) == true
                            ? "JSON Lines, as application/x-ndjson, application/jsonl or text/plain."
                            : "application/json.");
                    break;
            }
        });
        // Binding failures (bad JSON, missing body) throw, so the exception handler turns them into problem details with their message.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        // A misspelt field ("rateLimt"), a number sent as a string or a field sent twice is refused, not read as the
        // default: a policy that silently kept its defaults floods the person it was meant to protect.
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            options.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.Configure<ExceptionHandlerOptions>(options =>
        {
            options.StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException badRequest => badRequest.StatusCode,
                SiloUnavailableException or OrleansMessageRejectionException or TimeoutException => StatusCodes.Status503ServiceUnavailable,
                _ when ClusterFailures.IsStorageUnavailable(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            // A client's malformed request is not the server's error: no error log for it.
            options.SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException;
        });
        services.AddOpenApi(OpenApiDocumentation.Configure);
        return services;
    }

    /// <summary>
    /// Problem details for errors and for empty 4xx answers (401 from a challenge, 403, 429), then authentication,
    /// authorization and limits, then the API's routes (each group names its policy).
    /// </summary>
    public static WebApplication MapStreamAttentionApis(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestHeadLimits();
        app.UseStreamAttentionSecurity();
        app.UseReadableBodyCharsets();
        app.MapOpenApi();
        app.MapInterestsApi();
        app.MapImportApi();
        app.MapScoringApi();
        app.MapMatchStreamApi();
        app.MapPolicyApi();
        app.MapFeedbackApi();
        app.MapUserDataApi();
        app.MapTenantApi();
        return app;
    }
}
