using Microsoft.Extensions.FileProviders;
using StreamAttention.Server.Dashboard;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>The live dashboard page at <c>/dashboard/</c> (embedded static files) and its statistics.</summary>
public static class DashboardApi
{
    public const string PagePath = "/dashboard";

    /// <summary>
    /// What the page loads: its own script and style sheet (neither inline), calls to this origin (the API, the live
    /// streams); no other site may frame it.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static WebApplication MapDashboardApi(this WebApplication app)
    {
        app.UsePageSecurityHeaders(PagePath, ContentSecurityPolicy);
        var page = new ManifestEmbeddedFileProvider(typeof(DashboardApi).Assembly, "Dashboard/web");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page, RequestPath = PagePath });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page, RequestPath = PagePath });
        // The page's links are relative to its folder: "/dashboard" itself is redirected to "/dashboard/" by the default-files middleware.
        app.MapGet("/", () => TypedResults.Redirect($"{PagePath}/")).ExcludeFromDescription();
        app.MapGet($"{PagePath}/stats", (DashboardStatistics statistics) => TypedResults.Ok(statistics.Snapshot())).WithTags("Dashboard").WithName("GetDashboardStats")
            // Totals over every tenant: an operator's, as /metrics is.
            .RequireAuthorization(AccessPolicies.Operator).RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit)
            .WithSummary("This silo's statistics: totals since start (messages in, matches out, ingest), recent latency percentiles and batch sizes, the model and execution provider.");
        return app;
    }
}
