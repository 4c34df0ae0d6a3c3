using StreamAttention.Server.Diagnostics;

namespace StreamAttention.Server.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// The dashboard's statistics and model information, the silo's readiness checks (model, silo, live feed) and
    /// <see cref="LiveDashboardOptions"/> (section "Dashboard"), validated now because they decide what the silo hosts.
    /// </summary>
    public static LiveDashboardOptions AddStreamAttentionDashboard(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetValidated<LiveDashboardOptions>(LiveDashboardOptions.SectionName);
        builder.Services.AddOptions<LiveDashboardOptions>().BindConfiguration(LiveDashboardOptions.SectionName);
        builder.Services.AddSingleton<ModelInfo>();
        builder.Services.AddSingleton<DashboardStatistics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DashboardStatistics>());
        builder.Services.AddReadinessCheck<ModelReadinessCheck>("model");
        builder.Services.AddReadinessCheck<SiloReadinessCheck>("silo");
        builder.Services.AddReadinessCheck<LiveFeedReadinessCheck>("live-feed");
        return options;
    }
}
