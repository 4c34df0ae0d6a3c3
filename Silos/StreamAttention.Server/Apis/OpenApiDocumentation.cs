using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// What the generated OpenAPI document cannot see by itself: the route values <see cref="UserScope"/> binds
/// (<c>{tenant}</c>, <c>{userId}</c>), the two ways to authenticate (none with Auth:Enabled false), the problems that
/// middleware answers outside the handlers' typed results (401 and 403 where authorization is required, 413 where a body limit applies, 415 where a
/// body is taken, 429 where a rate limit applies, 503 where the handler calls the cluster, 500 everywhere: the exception
/// handler's answer to an unexpected failure), each as a problem-details schema, the 405 problem any path answers a method
/// it does not list (<see cref="MethodNotAllowedResponse"/>, a reusable response: no operation answers it), the extensions problems carry (<c>traceId</c>, the erasure's steps), an operation id per operation, a live
/// stream's token in the query and its event-stream body. The Orleans dashboard's own routes are not this API and are
/// left out.
/// </summary>
public static partial class OpenApiDocumentation
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";
    private const string TraceIdExtension = "traceId";
    private const string EventStream = "text/event-stream";
    private const string ProblemJson = "application/problem+json";

    /// <summary>
    /// The name of the 405 response in the document's components: routing answers a path's unlisted method with it (and
    /// an <c>Allow</c> header). It is no operation's answer, as a client that calls an operation sends its method.
    /// </summary>
    public const string MethodNotAllowedResponse = "MethodNotAllowed";

    public static void Configure(OpenApiOptions options)
    {
        options.ShouldInclude = description => !("/" + description.RelativePath).StartsWith(SiloHost.OrleansDashboardPath + "/", StringComparison.Ordinal);
        options.AddDocumentTransformer((document, context, _) =>
        {
            document.Components ??= new OpenApiComponents();
            (document.Components.Responses ??= new Dictionary<string, IOpenApiResponse>())[MethodNotAllowedResponse] =
                Problem("The path does not take this method; the Allow header lists those it takes.", document);
            if (!AuthEnabled(context.ApplicationServices))
            {
                return Task.CompletedTask;
            }
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [BearerScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "A token from the silo's signing key or the configured authority (Auth)." },
                [ApiKeyScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = ApiKeyAuthenticationHandler.HeaderName, Description = "A key of Auth:ApiKeys." },
            };
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // Problems carry extensions: the trace id of every one, the erasure's done / failedStep / left. The generated
            // schema forbids any property it does not list, so a client that validates would refuse every real problem.
            if (context.JsonTypeInfo.Type.IsAssignableTo(typeof(ProblemDetails)))
            {
                schema.AdditionalPropertiesAllowed = true;
                (schema.Properties ??= new Dictionary<string, IOpenApiSchema>()).TryAdd(TraceIdExtension,
                    new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's W3C trace id, to find it in the silo's logs and traces." });
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var route = context.Description.RelativePath ?? "";
            var tenantFromScope = DeclareRouteValues(operation, route).Contains("tenant");
            var handler = metadata.OfType<MethodInfo>().FirstOrDefault();
            // Stable and unique: the handler's name, and for a route's tenant form (the same handler under /tenants/{tenant}) "InTenant".
            operation.OperationId ??= handler is { IsSpecialName: false } && !handler.Name.Contains('<')
                ? handler.Name + (tenantFromScope ? "InTenant" : "")
                : null;
            var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
            context.Document?.AddComponent(nameof(ProblemDetails), problem);
            var responses = operation.Responses ??= [];
            void Declare(int status, string description) => responses.TryAdd(status.ToString(CultureInfo.InvariantCulture), Problem(description, context.Document));
            // The exception handler answers any failure it does not know as a 500 without internals.
            Declare(StatusCodes.Status500InternalServerError, "An unexpected failure; the problem's traceId finds it in the silo's logs.");
            // With Auth:Enabled=false every policy allows everyone: no credentials, no 401, no refusal of a role or tenant.
            var secured = AuthEnabled(context.ApplicationServices) && metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            if (secured)
            {
                operation.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                ];
                Declare(StatusCodes.Status401Unauthorized, "No valid token or API key.");
                Declare(StatusCodes.Status403Forbidden, "The caller's role or tenant does not reach this resource.");
            }
            if (operation.RequestBody is not null && metadata.OfType<RequestBodyLimit>().LastOrDefault() is { } bodyLimit)
            {
                Declare(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {bodyLimit.Setting} allows.");
            }
            if (metadata.OfType<IAcceptsMetadata>().Any())
            {
                Declare(StatusCodes.Status415UnsupportedMediaType, $"The body's content type is not one of those listed, or its charset not one of {BodyCharsets.Readable}.");
            }
            if (metadata.OfType<EnableRateLimitingAttribute>().Any())
            {
                Declare(StatusCodes.Status429TooManyRequests, "Too many requests from this caller, or too many live streams open (Limits).");
            }
            // A handler that calls the cluster takes the grain factory; the exception handler answers its failures 503.
            if (handler?.GetParameters().Any(p => p.ParameterType.IsAssignableTo(typeof(IGrainFactory))) == true)
            {
                Declare(StatusCodes.Status503ServiceUnavailable, "The cluster is moving a lost silo's grains, did not answer in time, or its storage did not answer: retry later.");
            }
            var liveStream = metadata.OfType<TokenInQuery>().Any();
            if (liveStream && secured)
            {
                (operation.Parameters ??= []).Add(new OpenApiParameter
                {
                    Name = "access_token",
                    In = ParameterLocation.Query,
                    Description = "The bearer token, for a browser's EventSource, which sends no headers.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
            if (liveStream)
            {
                // Declared problems (a 400 for ?delivery=) replace the inferred 200 of a handler returning IResult.
                responses["200"] = new OpenApiResponse
                {
                    Description = "Server-sent events: event \"match\", data a LiveMatch, id its match id; event \"gap\" where matches may be missing.",
                    Content = new Dictionary<string, OpenApiMediaType> { [EventStream] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                };
            }
        });
    }

    /// <summary>Route values that no parameter of the handler names (bound by <see cref="UserScope"/>) become path parameters; their names.</summary>
    private static List<string> DeclareRouteValues(OpenApiOperation operation, string route)
    {
        var declared = new List<string>();
        foreach (Match value in RouteValue().Matches(route))
        {
            var name = value.Groups["name"].Value;
            if (operation.Parameters?.Any(p => p.Name == name && p.In == ParameterLocation.Path) != true)
            {
                (operation.Parameters ??= []).Add(new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Path,
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                declared.Add(name);
            }
        }
        return declared;
    }

    private static bool AuthEnabled(IServiceProvider services) => services.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled;

    private static OpenApiResponse Problem(string description, OpenApiDocument? document) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), document) } },
    };

    [GeneratedRegex(@"\{(?<name>\w+)(:[^}]*)?\}")]
    private static partial Regex RouteValue();
}
