using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Json;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Import;
using StreamAttention.Server.Diagnostics;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// <c>POST /tenants/{tenant}/interests:import</c> (and <c>/interests:import</c> in the caller's tenant): interests and
/// delivery policies of many users of one tenant as JSON Lines, streamed, with per-line errors. A line's <c>userId</c> names a user of that
/// tenant; only a caller without a tenant (an operator) may name "tenant/user" keys.
/// </summary>
public static class ImportApi
{
    /// <summary>How both import routes end.</summary>
    public const string PathSuffix = "/interests:import";

    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app)
    {
        foreach (var path in new[] { "/tenants/{tenant}" + PathSuffix, PathSuffix })
        {
            app.MapPost(path, Import)
                .WithTags("Interests")
                .WithSummary("Imports interests and policies from a JSON Lines body: {\"userId\", \"id\", \"text\", \"threshold\"?, \"require\"?, \"exclude\"?} per interest, "
                    + "{\"userId\", \"policy\"} per user's delivery policy (as PUT …/policy takes it). The tenant's admins and operators.")
                .Accepts<ImportLineBody>("application/x-ndjson", "application/jsonl", "text/plain")
                .RequireTenantAccess().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit).WithRequestBodyLimit();
        }
        return app;
    }

    public static async Task<Results<Ok<ImportReport>, ValidationProblem>> Import(HttpContext context, InterestImporter importer, HttpInstruments instruments, IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        var tenant = TenantScope.TenantOf(context);
        if (tenant is not null && UserScope.ValidatePart(tenant) is { } error)
        {
            return ValidationProblems.Of("tenant", $"tenant id {error}");
        }
        // UseReadableBodyCharsets refused a charset without an encoding.
        var encoding = BodyCharsets.Of(context.Request, new DecoderReplacementFallback(Undecodable.ToString())).Encoding!;
        var lines = ReadLines(context.Request.Body, encoding, json.Value.SerializerOptions, cancellationToken).Select(line => InTenant(line, tenant));
        var report = await importer.ImportAsync(lines, cancellationToken);
        instruments.ImportAnswered(tenant, report.Imported, report.Failed);
        return report.Lines == 0
            ? ValidationProblems.Of("body", "The body has no lines; send one JSON object per line: {\"userId\", \"id\", \"text\", \"threshold\"?, \"require\"?, \"exclude\"?}.")
            : TypedResults.Ok(report);
    }

    /// <summary>
    /// A line names a user of the import's tenant: its key becomes "tenant/user", or stays the user id without one; a
    /// key of its own ("acme/bob") is refused either way, so a tenant's users are imported on the tenant's route only.
    /// </summary>
    private static ImportLine InTenant(ImportLine line, string? tenant)
        => line.Error is not null || line.UserId is null ? line
            : line.UserId.Contains('/') ? line with
            {
                UserId = null,
                Input = null,
                Error = tenant is null
                    ? "userId names a user without a tenant and cannot hold a '/': import a tenant's users with POST /tenants/{tenant}/interests:import"
                    : "userId names a user of the import's tenant and cannot hold a '/'",
            }
            : tenant is null ? line : line with { UserId = Ids.UserKeyOf(tenant, line.UserId) };

    /// <summary>
    /// Bytes that do not decode in the body's charset decode to this noncharacter (never valid in interchange), so the
    /// line that holds them is refused as the rest of the API refuses them, rather than stored with U+FFFD in place of
    /// what was sent.
    /// </summary>
    private const char Undecodable = '\uFFFF';

    private static async IAsyncEnumerable<ImportLine> ReadLines(Stream body, Encoding encoding, JsonSerializerOptions json, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, encoding);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            number++;
            if (text.Contains(Undecodable))
            {
                yield return new ImportLine(number, null, null, $"the line is not valid {encoding.WebName.ToUpperInvariant()}");
            }
            else if (!string.IsNullOrWhiteSpace(text))
            {
                yield return Parse(number, text, json);
            }
        }
    }

    private const string PolicyWithInterestFields = "a line holds an interest or a policy, not both: put the user's policy on a line of its own ({\"userId\", \"policy\"})";

    /// <summary>A line with a null policy (an export's <c>"policy": null</c>) or none, and no interest field: not an interest without an id.</summary>
    private const string NeitherInterestNorPolicy = "the line holds neither an interest ({\"userId\", \"id\", \"text\", …}) nor a policy ({\"userId\", \"policy\"}, not null)";

    /// <summary>Not a member of the body: the OpenAPI document and the JSON contract would list it as a field of the line.</summary>
    private static bool HoldsInterestFields(ImportLineBody line)
        => line.Id is not null || line.Text is not null || line.Threshold is not null || line.Require is not null || line.Exclude is not null;

    private static ImportLine Parse(int number, string text, JsonSerializerOptions json)
    {
        try
        {
            return JsonSerializer.Deserialize<ImportLineBody>(text, json) switch
            {
                null => new ImportLine(number, null, null, "the line is not a JSON object"),
                { Policy: not null } line when HoldsInterestFields(line) => new ImportLine(number, null, null, PolicyWithInterestFields),
                { Policy: { } policy } line => new ImportLine(number, line.UserId, null, Policy: policy.ToPolicy()),
                var line when !HoldsInterestFields(line) => new ImportLine(number, null, null, NeitherInterestNorPolicy),
                var line => new ImportLine(number, line.UserId, new InterestInput(line.Id!, line.Text!, line.Threshold, line.Require, line.Exclude)),
            };
        }
        catch (JsonException e)
        {
            return new ImportLine(number, null, null, $"invalid JSON: {JsonErrors.Describe(e)}");
        }
    }
}
