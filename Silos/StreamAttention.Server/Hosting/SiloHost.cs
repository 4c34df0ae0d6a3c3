using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using StreamAttention.Grains.Hosting;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;
using StreamAttention.Server.Apis;
using StreamAttention.Server.Dashboard;
using StreamAttention.Server.Diagnostics;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// A silo with the HTTP API in one process: the shared configuration of <see cref="StreamAttentionHost"/>, the
/// service defaults (telemetry, health), the cluster and storage from section "Cluster", the grains, the live
/// dashboard (and the Orleans dashboard at <c>/orleans</c> unless turned off), Kestrel on <c>urls</c>, and the Kafka
/// ingest pipeline when <c>Ingest:Enabled</c> is true.
/// </summary>
public static class SiloHost
{
    public const string OrleansDashboardPath = "/orleans";

    /// <summary>
    /// The Orleans dashboard's page and what it loads are the package's, which may change them with any version: its
    /// policy forbids framing only.
    /// </summary>
    private const string OrleansDashboardContentSecurityPolicy = "frame-ancestors 'none'";

    public static WebApplicationBuilder CreateBuilder(IEnumerable<string> configurationArgs, string? urls = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = StreamAttentionHost.EnvironmentName });
        StreamAttentionHost.Configure(builder, configurationArgs);
        builder.AddServiceDefaults();
        if (urls is not null)
        {
            HttpListeningAddresses.EnsureFree(urls);
            builder.WebHost.UseUrls(urls);
        }
        var dashboard = builder.AddStreamAttentionDashboard();
        var exportsTraces = builder.ExportsTraces();
        // Before UseOrleans, whose cluster setup checks the section too but names a refused value by its .NET member alone.
        var cluster = builder.Configuration.GetValidated<SiloClusterOptions>(SiloClusterOptions.SectionName);
        builder.UseOrleans(silo =>
        {
            silo.UseStreamAttentionCluster(builder.Configuration).AddStreamAttentionGrains();
            if (exportsTraces)
            {
                // Each grain call's filters carry the caller's trace context; without an exporter there is none to carry.
                silo.AddActivityPropagation();
            }
            if (dashboard.OrleansDashboard)
            {
                silo.AddDashboard();
            }
        });
        RedisReachability.AddFirst(builder.Services, cluster);
        if (cluster.EffectiveStorage == StorageKind.Redis)
        {
            // Made by the container, so that it disposes the check's kept connection when the silo stops (an instance
            // handed to it would never be).
            builder.Services.AddSingleton(_ => new StorageReadinessCheck(cluster.Redis!, cluster.StoragePingTimeout));
            builder.Services.AddReadinessCheck<StorageReadinessCheck>("storage");
        }
        builder.AddStreamAttentionSecurity();
        builder.Services.AddStreamAttentionApis();
        builder.Services.AddHostedService<SiloLifecycleLog>();
        // After the silo: its hosted service must have started before the pipeline calls grains.
        if (builder.Configuration.GetValue<bool>($"{KafkaIngestOptions.SectionName}:{nameof(KafkaIngestOptions.Enabled)}"))
        {
            builder.Services.AddKafkaIngest().BindConfiguration(KafkaIngestOptions.SectionName);
            // The ingest drains its batches in flight before the silo leaves the cluster: the host's stop holds both.
            builder.Services.AddIngestDrainToShutdownTimeout();
        }
        else if (builder.Configuration[$"{KafkaIngestOptions.SectionName}:{nameof(KafkaIngestOptions.BootstrapServers)}"] is { Length: > 0 })
        {
            // The ingest runs in its own process (it has no grains): the digests this silo's users form go to Kafka from here.
            builder.Services.AddKafkaDigestSink().BindConfiguration(KafkaIngestOptions.SectionName);
        }
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        StartedServiceStop.Apply(builder.Services);
        var app = builder.Build().MapStreamAttentionApis();
        app.MapDefaultEndpoints(AccessPolicies.Operator);
        app.MapDashboardApi();
        if (app.Services.GetRequiredService<IOptions<LiveDashboardOptions>>().Value.OrleansDashboard)
        {
            app.UsePageSecurityHeaders(OrleansDashboardPath, OrleansDashboardContentSecurityPolicy);
            app.MapOrleansDashboard(routePrefix: OrleansDashboardPath).RequireOperator().AddEndpointFilter<OrleansDashboardSiloFilter>();
        }
        return app;
    }
}
