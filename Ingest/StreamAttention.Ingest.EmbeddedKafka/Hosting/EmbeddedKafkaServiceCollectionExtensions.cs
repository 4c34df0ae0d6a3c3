using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.EmbeddedKafka.Options;

namespace StreamAttention.Ingest.EmbeddedKafka.Hosting;

public static class EmbeddedKafkaServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="EmbeddedKafkaHostedService"/>, which runs an embedded Kafka cluster while the host runs,
    /// with <see cref="EmbeddedKafkaOptions"/> validated at start. Register it before the services that connect to it;
    /// they find the address at <c>EmbeddedKafkaHostedService.Cluster.BootstrapServers</c>.
    /// Chain <c>.BindConfiguration(EmbeddedKafkaOptions.SectionName)</c> on the result to read configuration.
    /// </summary>
    public static OptionsBuilder<EmbeddedKafkaOptions> AddEmbeddedKafka(this IServiceCollection services, Action<EmbeddedKafkaOptions>? configure = null)
    {
        var options = services.AddOptions<EmbeddedKafkaOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<EmbeddedKafkaHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<EmbeddedKafkaHostedService>());
        return options;
    }
}
