using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// A tenant as a whole, for its admins and operators: <c>GET /tenants/{tenant}/usage</c>, <c>GET /tenants/{tenant}/export</c>;
/// the users without a tenant as a whole, for operators only: <c>GET /users:usage</c>, <c>GET /users:export</c>.
/// </summary>
public static class TenantApi
{
    /// <summary>The export's content type: JSON Lines, as the import takes them.</summary>
    public const string ExportContentType = "application/x-ndjson";

    /// <summary>Users asked of the tenant grain at once: a page is a short call, between which the tenant's writes reserve.</summary>
    private const int UserPage = 1000;

    /// <summary>Users exported at once: the export holds at most this many users' data.</summary>
    private const int ExportBatch = 100;

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private const string ExportLines = "{\"userId\", \"id\", \"text\", \"threshold\", \"require\", \"exclude\"} per interest, then {\"userId\", \"policy\"} for a user's "
        + "stored policy; users in ordinal order of their ids.";

    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/tenants/{tenant}/usage", GetTenantUsage).WithTags("Tenants")
            .WithSummary("The users and interests the tenant holds, as its quotas count them, and its quotas (Tenants:MaxUsers, Tenants:MaxInterests "
                + "or the tenant's overrides). The tenant's admins and operators.")
            .ProducesValidationProblem().RequireTenantAccess().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit);
        app.MapGet("/tenants/{tenant}/export", ExportTenant).WithTags("Tenants")
            .WithSummary("The tenant's users' interests and delivery policies as JSON Lines, streamed, in the lines POST /tenants/{tenant}/interests:import "
                + $"takes back: {ExportLines} Users are those the tenant counts (interests or a policy). The tenant's admins and operators.")
            .Produces<TenantExportLine>(StatusCodes.Status200OK, ExportContentType)
            .ProducesValidationProblem().RequireTenantAccess().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit);
        app.MapGet("/users:usage", GetUsageWithoutTenant).WithTags("Tenants")
            .WithSummary("The users without a tenant (\"bob\", not \"acme/bob\") and their interests, counted together as one tenant's are, and their "
                + "quotas (Tenants:WithoutTenant:MaxUsers, Tenants:WithoutTenant:MaxInterests; null where unset: no limit); tenant is null. Operators only.")
            .RequireOperator().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit);
        app.MapGet("/users:export", ExportWithoutTenant).WithTags("Tenants")
            .WithSummary("The users without a tenant: their interests and delivery policies as JSON Lines, streamed, in the lines POST /interests:import "
                + $"takes back from a caller without a tenant claim: {ExportLines} Operators only.")
            .Produces<TenantExportLine>(StatusCodes.Status200OK, ExportContentType)
            .RequireOperator().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit);
        return app;
    }

    public static async Task<Results<Ok<TenantUsageReport>, ValidationProblem>> GetTenantUsage(string tenant, IGrainFactory grains, IOptions<TenantQuotaOptions> quotas)
        => UserScope.ValidatePart(tenant) is { } error
            ? ValidationProblems.Of("tenant", $"tenant id {error}")
            : TypedResults.Ok(await UsageOf(tenant, grains, quotas.Value));

    public static async Task<Ok<TenantUsageReport>> GetUsageWithoutTenant(IGrainFactory grains, IOptions<TenantQuotaOptions> quotas)
        => TypedResults.Ok(await UsageOf(null, grains, quotas.Value));

    public static Results<PushStreamHttpResult, ValidationProblem> ExportTenant(string tenant, IGrainFactory grains, IOptions<JsonOptions> json, HttpContext context)
        => UserScope.ValidatePart(tenant) is { } error
            ? ValidationProblems.Of("tenant", $"tenant id {error}")
            : Export(tenant, grains, json.Value, context);

    public static PushStreamHttpResult ExportWithoutTenant(IGrainFactory grains, IOptions<JsonOptions> json, HttpContext context)
        => Export(null, grains, json.Value, context);

    /// <summary>The usage of <paramref name="tenant"/>; null: of the users without a tenant, whose quotas are <c>Tenants:WithoutTenant</c>'s.</summary>
    private static async Task<TenantUsageReport> UsageOf(string? tenant, IGrainFactory grains, TenantQuotaOptions quotas)
    {
        var key = tenant ?? Ids.NoTenant;
        var usage = await grains.GetGrain<ITenantGrain>(key).GetUsage();
        var quota = quotas.For(key);
        return new TenantUsageReport(tenant, usage.Users, usage.Interests, quota.MaxUsers, quota.MaxInterests);
    }

    /// <summary>
    /// Streams the lines of <paramref name="tenant"/>'s users (null: the users without a tenant) as it reads them,
    /// <see cref="ExportBatch"/> at a time. A failure after the first batch was flushed (the status sent) aborts the
    /// response, which the client sees as a failed transfer, not a shorter export.
    /// </summary>
    private static PushStreamHttpResult Export(string? tenant, IGrainFactory grains, JsonOptions json, HttpContext context)
    {
        var options = json.SerializerOptions;
        var cancellation = context.RequestAborted;
        return TypedResults.Stream(async body =>
        {
            var tenantGrain = grains.GetGrain<ITenantGrain>(tenant ?? Ids.NoTenant);
            string? after = null;
            while (await tenantGrain.GetUsers(after, UserPage) is { Count: > 0 } users)
            {
                foreach (var batch in users.Chunk(ExportBatch))
                {
                    var exports = await Task.WhenAll(batch.Select(user => grains.GetGrain<IUserGrain>(Ids.UserKeyOf(tenant, user)).Export()));
                    foreach (var (user, export) in batch.Zip(exports))
                    {
                        foreach (var line in TenantExportLine.Of(user, export))
                        {
                            await JsonSerializer.SerializeAsync(body, line, options, cancellation);
                            await body.WriteAsync(NewLine, cancellation);
                        }
                    }
                    await body.FlushAsync(cancellation);
                }
                after = users[^1];
            }
        }, ExportContentType);
    }
}

/// <summary>
/// One line of a tenant's export: an interest of the user, or the user's stored delivery policy (<paramref name="Policy"/>,
/// the interest's fields null), as <c>POST /tenants/{tenant}/interests:import</c> takes them (<see cref="ImportLineBody"/>).
/// </summary>
public sealed record TenantExportLine(string UserId, string? Id, string? Text, float? Threshold, IReadOnlyList<string>? Require, IReadOnlyList<string>? Exclude,
    DeliveryPolicy? Policy)
{
    /// <summary>The user's interests, then its policy when one is stored (the defaults are not written).</summary>
    public static IEnumerable<TenantExportLine> Of(string userId, UserDataExport export)
    {
        foreach (var interest in export.Interests)
        {
            yield return new TenantExportLine(userId, interest.Id, interest.Text, interest.Threshold, interest.Require, interest.Exclude, null);
        }
        if (export.Policy is { } policy)
        {
            yield return new TenantExportLine(userId, null, null, null, null, null, policy);
        }
    }
}

/// <summary>
/// A tenant's usage: <paramref name="Users"/> that hold interests or a delivery policy, <paramref name="Interests"/> of all
/// of them, against the tenant's quotas (null: none, as the users without a tenant have unless
/// <c>Tenants:WithoutTenant</c> sets them). <paramref name="Tenant"/> null: the users without a tenant.
/// </summary>
public sealed record TenantUsageReport(string? Tenant, int Users, int Interests, int? MaxUsers, int? MaxInterests);
