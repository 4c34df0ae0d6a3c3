using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Replay;

namespace StreamAttention.Ingest.Hosting;

public static class DeadLetterReplayServiceCollectionExtensions
{
    /// <summary>The <see cref="DeadLetterReplayer"/>; its options are validated when it is first resolved.</summary>
    public static OptionsBuilder<DeadLetterReplayOptions> AddDeadLetterReplayer(this IServiceCollection services, Action<DeadLetterReplayOptions>? configure = null)
    {
        var options = services.AddOptions<DeadLetterReplayOptions>().ValidateDataAnnotations();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton<DeadLetterReplayer>();
        return options;
    }
}
