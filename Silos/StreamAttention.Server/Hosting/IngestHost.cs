using StreamAttention.Grains.Hosting;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;
using StreamAttention.Server.Diagnostics;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// The standalone Kafka ingest: an Orleans client of a running cluster (section "Cluster", as for the silos) that runs
/// the pipeline, with the service defaults and a small HTTP endpoint on <c>urls</c> for <c>/metrics</c> (operators),
/// <c>/health/live</c> and <c>/health/ready</c> (Kafka reachable, cluster client connected), from the start: its web server
/// starts before the cluster client, which waits for a silo (<see cref="ClusterConnectionWait"/>).
/// </summary>
public static class IngestHost
{
    /// <summary>Beside a silo's usual 8080, so both run on one machine without flags.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8081";

    public static WebApplicationBuilder CreateBuilder(IEnumerable<string> configurationArgs, string urls = DefaultUrls)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = StreamAttentionHost.EnvironmentName });
        StreamAttentionHost.ConfigureSourcesAndLogging(builder, configurationArgs);
        builder.AddServiceDefaults();
        builder.WebHost.UseUrls(urls);
        var exportsTraces = builder.ExportsTraces();
        // Before UseOrleansClient, whose cluster setup checks the section too but names a refused value by its .NET member alone.
        var cluster = builder.Configuration.GetValidated<SiloClusterOptions>(SiloClusterOptions.SectionName);
        builder.UseOrleansClient(client =>
        {
            client.UseStreamAttentionCluster(builder.Configuration);
            if (exportsTraces)
            {
                client.AddActivityPropagation();
            }
        });
        RedisReachability.AddFirst(builder.Services, cluster);
        builder.Services.AddSingleton(services
            => new ClusterConnectionWait(ClusterConnectionWait.Awaited(cluster), cluster.MaxWaitForSilo, services.GetRequiredService<ILogger<ClusterConnectionWait>>(), TimeProvider.System));
        builder.Services.AddSingleton<IClientConnectionRetryFilter>(services => services.GetRequiredService<ClusterConnectionWait>());
        builder.Services.AddKafkaIngest().BindConfiguration(KafkaIngestOptions.SectionName);
        // The host's own timeout (30 s) for the web server and the cluster client, after the drain of the batches in flight.
        builder.Services.AddIngestDrainToShutdownTimeout();
        builder.Services.AddSingleton<ClusterClientReadinessCheck>();
        builder.Services.AddSingleton<IClusterConnectionStatusObserver>(services => services.GetRequiredService<ClusterClientReadinessCheck>());
        builder.Services.AddReadinessCheck<ClusterClientReadinessCheck>("cluster");
        builder.AddStreamAttentionSecurity();
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        StartedServiceStop.Apply(builder.Services);
        StartAfterWebServer(builder);
        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseStreamAttentionSecurity();
        app.MapDefaultEndpoints(AccessPolicies.Operator);
        return app;
    }

    /// <summary>
    /// The web server's hosted service is added last, as the builder builds, so it starts after the others; and the
    /// cluster client's start lasts until a silo answers. Moved after it (container callbacks run after that addition),
    /// the ingest's services start once <c>/health</c> answers, which meanwhile says what the ingest waits for.
    /// </summary>
    private static void StartAfterWebServer(WebApplicationBuilder builder)
    {
        var hostedServices = builder.Services.Where(service => service.ServiceType == typeof(IHostedService)).ToArray();
        builder.Host.ConfigureContainer<IServiceCollection>((_, services) =>
        {
            foreach (var service in hostedServices)
            {
                services.Remove(service);
                services.Add(service);
            }
        });
    }
}
