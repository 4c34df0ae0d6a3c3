using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Server.Apis;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// The OpenAPI document, as a client generated from it takes it: every operation the silo maps is in it with its
/// security and the problems that middleware answers (read from each endpoint's metadata, so a route added later is
/// held to the same), and real answers of the server, successes and problems, are what the document's schemas say.
/// </summary>
public sealed class OpenApiDocumentTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private const string ProblemJson = "application/problem+json";

    [Fact]
    public Task Every_operation_the_silo_maps_is_documented_with_its_security_and_problems() => AssertEveryOperationIsDocumentedAsync(fixture, authEnabled: true);

    /// <summary>
    /// Each status that middleware answers is declared where the endpoint's metadata says it can be answered, and only
    /// there unless the handler declares it as its own answer; with <paramref name="authEnabled"/> false (every policy
    /// allows everyone) no operation needs credentials.
    /// </summary>
    internal static async Task AssertEveryOperationIsDocumentedAsync(SiloHostFixture silo, bool authEnabled)
    {
        var document = (await silo.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        Assert.Equal(authEnabled, document["components"]?["securitySchemes"] is not null);
        var described = silo.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<MethodInfo>() is not null && endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true }
                && !endpoint.RoutePattern.RawText!.StartsWith(SiloHost.OrleansDashboardPath + "/", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(described);
        var operationIds = new List<string>();
        foreach (var endpoint in described)
        {
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/').TrimEnd('/');
            foreach (var method in endpoint.Metadata.GetRequiredMetadata<IHttpMethodMetadata>().HttpMethods)
            {
                var where = $"{method} {path}";
                var operation = document["paths"]?[path]?[method.ToLowerInvariant()];
                Assert.True(operation is not null, $"{where} is not in the document");
                var operationId = (string?)operation["operationId"];
                Assert.False(string.IsNullOrEmpty(operationId), $"{where} has no operationId");
                operationIds.Add(operationId!);
                var responses = operation["responses"]!.AsObject();
                var statuses = responses.Select(r => r.Key).ToHashSet();

                var own = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode.ToString(CultureInfo.InvariantCulture)).ToHashSet();

                var secured = authEnabled && endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null;
                string[] schemes = secured ? ["ApiKey", "Bearer"] : [];
                Assert.Equal(schemes, operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).Order().ToArray() ?? []);
                Assert.Equal(secured && endpoint.Metadata.GetMetadata<TokenInQuery>() is not null,
                    operation["parameters"]?.AsArray().Any(p => (string?)p!["name"] == "access_token") == true);
                AssertDeclared(secured, "401");
                AssertDeclared(secured, "403");
                AssertDeclared(endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null, "429");
                var takesBody = endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not null;
                Assert.Equal(takesBody, operation["requestBody"] is not null);
                AssertDeclared(takesBody, "415");
                AssertDeclared(takesBody && endpoint.Metadata.GetMetadata<RequestBodyLimit>() is not null, "413");
                // A malformed tenant or user id in the route is a 400 on every route that has one.
                AssertDeclared(endpoint.RoutePattern.Parameters.Any(p => p.Name is "tenant" or "userId"), "400");
                // The exception handler answers an unexpected failure of any endpoint 500.
                AssertDeclared(true, "500");
                // The exception handler's 503 is a failed call to the cluster, which a handler makes with the grain factory.
                AssertDeclared(endpoint.Metadata.GetRequiredMetadata<MethodInfo>().GetParameters().Any(p => p.ParameterType.IsAssignableTo(typeof(IGrainFactory))), "503");

                // Every error is a problem, whose schema allows the extensions problems carry (traceId on each).
                foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
                {
                    var schema = Resolve(document, response?["content"]?[ProblemJson]?["schema"]);
                    Assert.True(schema is not null, $"{where} {status}: no {ProblemJson} schema");
                    Assert.NotEqual(false, (bool?)schema["additionalProperties"]);
                }

                void AssertDeclared(bool middlewareAnswers, string status)
                {
                    var declared = statuses.Contains(status);
                    Assert.True(declared == (middlewareAnswers || own.Contains(status)),
                        declared ? $"{where} declares {status}, which it cannot answer" : $"{where} can answer {status} but does not declare it");
                }
            }
        }
        Assert.Equal(operationIds.Count, operationIds.Distinct(StringComparer.Ordinal).Count());
        // The document lists no operation the silo does not map.
        Assert.Equal(operationIds.Count, document["paths"]!.AsObject().Sum(p => p.Value!.AsObject().Count(o => o.Key != "parameters")));
    }

    /// <summary>
    /// A generated client names its methods by operation id, and an id is its handler's name: renaming a handler renames
    /// them, so the ids are pinned here and a rename is a change of the API made on purpose.
    /// </summary>
    [Fact]
    public async Task Operation_ids_are_pinned()
    {
        var document = (await fixture.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        string[] userRoutes =
        [
            "GET /interests GetInterests", "GET /interests/{interestId} GetInterest", "PUT /interests/{interestId} PutInterest",
            "DELETE /interests/{interestId} DeleteInterest", "GET /matches GetMatches", "GET /matches/stream StreamUser",
            "GET /policy GetPolicy", "PUT /policy PutPolicy", "GET /digests GetDigests", "POST /matches/{matchId}/feedback PostFeedback",
            "GET /feedback GetFeedback", "DELETE  Erase", "GET /export Export",
        ];
        var expected = userRoutes.Select(route => route.Split(' ')).SelectMany(route => new[]
        {
            $"{route[0]} /users/{{userId}}{route[1]} {route[2]}",
            $"{route[0]} /tenants/{{tenant}}/users/{{userId}}{route[1]} {route[2]}InTenant",
        }).Concat(
        [
            "POST /score Score", "POST /interests:import Import", "POST /tenants/{tenant}/interests:import ImportInTenant",
            "GET /tenants/{tenant}/matches/stream StreamTenant", "GET /matches/stream StreamAll", "GET /dashboard/stats GetDashboardStats",
            "GET /tenants/{tenant}/usage GetTenantUsage", "GET /tenants/{tenant}/export ExportTenant",
            "GET /users:usage GetUsageWithoutTenant", "GET /users:export ExportWithoutTenant",
        ]);
        var actual = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Where(o => o.Key != "parameters")
            .Select(o => $"{o.Key.ToUpperInvariant()} {path.Key} {(string?)o.Value!["operationId"]}"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The schema check of <see cref="Real_answers_are_what_the_document_says"/> finds what it says it checks: a real
    /// answer passes, and the same answer with a required field missing, a value of the wrong type (in an array too) or
    /// a field its schema does not list fails.
    /// </summary>
    [Fact]
    public async Task The_schema_check_refuses_an_answer_the_document_does_not_describe()
    {
        var document = (await fixture.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var put = await fixture.Http.PutAsJsonAsync("/users/openapi-check/interests/db", new { text = Texts.DatabaseInterest, require = new[] { "database" } });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var interest = (await fixture.Http.GetFromJsonAsync<JsonObject>("/users/openapi-check/interests/db"))!;
        var schema = document["paths"]!["/users/{userId}/interests/{interestId}"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"];

        Assert.Empty(Errors(interest));
        Assert.Equal(["$: required text is missing"], Errors(Changed(body => body.Remove("text"))));
        Assert.Equal(["$.text: integer, the schema says string"], Errors(Changed(body => body["text"] = 1)));
        Assert.Equal(["$.require[0]: boolean, the schema says string"], Errors(Changed(body => body["require"]![0] = true)));
        Assert.Equal(["$: colour is not in the schema, which allows no other property"], Errors(Changed(body => body["colour"] = "red")));

        JsonObject Changed(Action<JsonObject> change)
        {
            var body = interest.DeepClone().AsObject();
            change(body);
            return body;
        }

        List<string> Errors(JsonNode body)
        {
            var errors = new List<string>();
            Validate(document, schema, body, "$", errors);
            return errors;
        }
    }

    /// <summary>
    /// What the server answers, successes and problems of every kind (a binder's, a validation's, authentication's,
    /// authorization's, a body limit's, routing's 415, a handler's 404), validated against the schema the document gives
    /// that operation, status and content type; and routing's 405, against the reusable response the document gives it.
    /// </summary>
    [Fact]
    public async Task Real_answers_are_what_the_document_says()
    {
        var document = (await fixture.Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        const string user = "/users/openapi-doc";
        const string tenantUser = "/tenants/acme/users/openapi-doc";
        using var anonymous = fixture.CreateClient(null);
        using var alice = fixture.CreateClient(TestAuth.Token(Roles.User, "acme", "alice"));
        var tooLarge = new string('a', (int)(1L << 20) + 1);

        await AssertAnswerAsync(HttpStatusCode.Created, "put", "/users/{userId}/interests/{interestId}",
            fixture.Http.PutAsJsonAsync($"{user}/interests/db", new { text = Texts.DatabaseInterest, require = new[] { "database" } }));
        await AssertAnswerAsync(HttpStatusCode.OK, "put", "/users/{userId}/interests/{interestId}",
            fixture.Http.PutAsJsonAsync($"{user}/interests/db", new { text = Texts.DatabaseInterest, threshold = 0.3 }));
        await AssertAnswerAsync(HttpStatusCode.OK, "get", "/users/{userId}/interests", fixture.Http.GetAsync($"{user}/interests"));
        await AssertAnswerAsync(HttpStatusCode.OK, "post", "/score",
            fixture.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage }, userId = "openapi-doc", sourceIds = new[] { "m-1" } }));
        await AssertAnswerAsync(HttpStatusCode.OK, "get", "/users/{userId}/matches", fixture.Http.GetAsync($"{user}/matches"));
        await AssertAnswerAsync(HttpStatusCode.OK, "get", "/users/{userId}/policy", fixture.Http.GetAsync($"{user}/policy"));
        await AssertAnswerAsync(HttpStatusCode.OK, "get", "/users/{userId}/export", fixture.Http.GetAsync($"{user}/export"));
        // The users without a tenant's usage names no tenant: its "tenant" is null.
        await AssertAnswerAsync(HttpStatusCode.OK, "get", "/users:usage", fixture.Http.GetAsync("/users:usage"));
        await AssertAnswerAsync(HttpStatusCode.OK, "post", "/interests:import", fixture.Http.PostAsync("/interests:import",
            new StringContent("{\"userId\": \"openapi-import\", \"id\": \"db\", \"text\": \"database\"}\n{\"userId\": 1}\n", Encoding.UTF8, "application/x-ndjson")));

        await AssertAnswerAsync(HttpStatusCode.Unauthorized, "get", "/users/{userId}/interests", anonymous.GetAsync($"{user}/interests"));
        await AssertAnswerAsync(HttpStatusCode.Forbidden, "get", "/tenants/{tenant}/users/{userId}/interests", alice.GetAsync($"{tenantUser}/interests"));
        await AssertAnswerAsync(HttpStatusCode.NotFound, "get", "/users/{userId}/interests/{interestId}", fixture.Http.GetAsync("/users/openapi-nobody/interests/db"));
        await AssertAnswerAsync(HttpStatusCode.NotFound, "get", "/users/{userId}/export", fixture.Http.GetAsync("/users/openapi-nobody/export"));
        await AssertAnswerAsync(HttpStatusCode.NotFound, "post", "/users/{userId}/matches/{matchId}/feedback",
            fixture.Http.PostAsJsonAsync("/users/openapi-nobody/matches/m-1/feedback", new { relevant = true }));
        await AssertAnswerAsync(HttpStatusCode.BadRequest, "get", "/users/{userId}/interests", fixture.Http.GetAsync("/users/bad%20id/interests"));
        await AssertAnswerAsync(HttpStatusCode.BadRequest, "get", "/users/{userId}/matches", fixture.Http.GetAsync($"{user}/matches?limit=many"));
        await AssertAnswerAsync(HttpStatusCode.BadRequest, "get", "/matches/stream", fixture.Http.GetAsync("/matches/stream?delivery=sometimes"));
        await AssertAnswerAsync(HttpStatusCode.BadRequest, "put", "/users/{userId}/policy",
            fixture.Http.PutAsync($"{user}/policy", new StringContent("{\"rateLimt\": {}}", Encoding.UTF8, "application/json")));
        await AssertAnswerAsync(HttpStatusCode.UnsupportedMediaType, "put", "/users/{userId}/interests/{interestId}",
            fixture.Http.PutAsync($"{user}/interests/db", new StringContent("{\"text\": \"database\"}", Encoding.UTF8, "text/plain")));
        await AssertAnswerAsync(HttpStatusCode.UnsupportedMediaType, "post", "/interests:import",
            fixture.Http.PostAsync("/interests:import", new StringContent("{}", Encoding.UTF8, "application/json")));
        await AssertAnswerAsync(HttpStatusCode.RequestEntityTooLarge, "put", "/users/{userId}/interests/{interestId}",
            fixture.Http.PutAsJsonAsync($"{user}/interests/db", new { text = tooLarge }));

        // Routing's 405 is no operation's answer: the document gives it as a reusable response.
        using (var notAllowed = await fixture.Http.PostAsync($"{user}/interests", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, notAllowed.StatusCode);
            Assert.Contains("GET", notAllowed.Content.Headers.Allow);
            var declared = document["components"]?["responses"]?[OpenApiDocumentation.MethodNotAllowedResponse]?["content"]?[notAllowed.Content.Headers.ContentType?.MediaType!];
            Assert.True(declared is not null, $"405 {notAllowed.Content.Headers.ContentType?.MediaType} is not declared");
            var errors = new List<string>();
            Validate(document, declared["schema"], JsonNode.Parse(await notAllowed.Content.ReadAsStringAsync()), "$", errors);
            Assert.Empty(errors);
        }

        async Task AssertAnswerAsync(HttpStatusCode status, string method, string path, Task<HttpResponseMessage> send)
        {
            using var response = await send;
            var where = $"{method.ToUpperInvariant()} {path} {(int)status}";
            Assert.True(status == response.StatusCode, $"{where}: the server answered {(int)response.StatusCode}");
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var declared = document["paths"]?[path]?[method]?["responses"]?[((int)status).ToString(CultureInfo.InvariantCulture)];
            Assert.True(declared is not null, $"{where} is not declared");
            Assert.True(declared["content"]?[mediaType!] is not null, $"{where}: {mediaType} is not declared");
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            var errors = new List<string>();
            Validate(document, declared["content"]![mediaType!]!["schema"], body, "$", errors);
            Assert.True(errors.Count == 0, $"{where}: {string.Join("; ", errors)}\n{body?.ToJsonString()}");
        }
    }

    private static JsonNode? Resolve(JsonObject document, JsonNode? schema)
        => (string?)schema?["$ref"] is { } reference ? Resolve(document, document["components"]!["schemas"]![reference.Split('/')[^1]]) : schema;

    /// <summary>
    /// The JSON Schema keywords the document uses for bodies: $ref, type (one or a list, "null" among them), properties,
    /// required, additionalProperties, items and oneOf; formats and patterns are not checked.
    /// </summary>
    private static void Validate(JsonObject document, JsonNode? schemaNode, JsonNode? value, string at, List<string> errors)
    {
        var schema = Resolve(document, schemaNode);
        if (schema is null)
        {
            return;
        }
        if (schema["oneOf"] is JsonArray oneOf)
        {
            var matching = oneOf.Count(option =>
            {
                var optionErrors = new List<string>();
                Validate(document, option, value, at, optionErrors);
                return optionErrors.Count == 0;
            });
            if (matching != 1)
            {
                errors.Add($"{at}: matches {matching} of oneOf's {oneOf.Count} schemas");
            }
            return;
        }
        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => (string)t!).ToArray(),
            JsonValue one => [(string)one!],
            _ => null,
        };
        var actual = value switch
        {
            null => "null",
            JsonObject => "object",
            JsonArray => "array",
            _ => value.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.String => "string",
                System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
                _ => value.ToJsonString().IndexOfAny(['.', 'e', 'E']) >= 0 ? "number" : "integer",
            },
        };
        if (types is not null && !types.Contains(actual) && !(actual == "integer" && types.Contains("number")))
        {
            errors.Add($"{at}: {actual}, the schema says {string.Join(" or ", types)}");
            return;
        }
        if (value is JsonObject properties)
        {
            var declared = schema["properties"]?.AsObject();
            foreach (var required in schema["required"]?.AsArray().Select(r => (string)r!) ?? [])
            {
                if (!properties.ContainsKey(required))
                {
                    errors.Add($"{at}: required {required} is missing");
                }
            }
            foreach (var (name, property) in properties)
            {
                if (declared?[name] is { } propertySchema)
                {
                    Validate(document, propertySchema, property, $"{at}.{name}", errors);
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    Validate(document, additional, property, $"{at}.{name}", errors);
                }
                else if ((bool?)schema["additionalProperties"] == false)
                {
                    errors.Add($"{at}: {name} is not in the schema, which allows no other property");
                }
            }
        }
        if (value is JsonArray items && schema["items"] is { } itemSchema)
        {
            for (var i = 0; i < items.Count; i++)
            {
                Validate(document, itemSchema, items[i], $"{at}[{i}]", errors);
            }
        }
    }
}
