using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// What the generated OpenAPI document cannot see by itself: the route values <see cref="UserScope"/> binds
/// (<c>{tenant}</c>, <c>{userId}</c>), the two ways to authenticate and the 401, 403 and 429 answers of the endpoints
/// that need them, a live stream's token in the query and its event-stream body. The Orleans dashboard's own routes
/// are not this API and are left out.
/// </summary>
public static partial class OpenApiDocumentation
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";
    private const string EventStream = "text/event-stream";

    public static void Configure(OpenApiOptions options)
    {
        options.ShouldInclude = description => !("/" + description.RelativePath).StartsWith(SiloHost.OrleansDashboardPath + "/", StringComparison.Ordinal);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [BearerScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "A token from the silo's signing key or the configured authority (Auth)." },
                [ApiKeyScheme] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = ApiKeyAuthenticationHandler.HeaderName, Description = "A key of Auth:ApiKeys." },
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            DeclareRouteValues(operation, context.Description.RelativePath ?? "");
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                ];
                operation.Responses ??= [];
                operation.Responses.TryAdd("401", Problem("No valid token or API key."));
                operation.Responses.TryAdd("403", Problem("The caller's role or tenant does not reach this resource."));
            }
            if (metadata.OfType<EnableRateLimitingAttribute>().Any())
            {
                (operation.Responses ??= []).TryAdd("429", Problem("Too many requests from this caller, or too many live streams open (Limits)."));
            }
            if (metadata.OfType<TokenInQuery>().Any())
            {
                (operation.Parameters ??= []).Add(new OpenApiParameter
                {
                    Name = "access_token",
                    In = ParameterLocation.Query,
                    Description = "The bearer token, for a browser's EventSource, which sends no headers.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
                {
                    response.Description = "Server-sent events: event \"match\", data a LiveMatch, id its match id.";
                    response.Content = new Dictionary<string, OpenApiMediaType> { [EventStream] = new OpenApiMediaType() };
                }
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>Route values that no parameter of the handler names (bound by <see cref="UserScope"/>) become path parameters.</summary>
    private static void DeclareRouteValues(OpenApiOperation operation, string route)
    {
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
            }
        }
    }

    private static OpenApiResponse Problem(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType() },
    };

    [GeneratedRegex(@"\{(?<name>\w+)(:[^}]*)?\}")]
    private static partial Regex RouteValue();
}
