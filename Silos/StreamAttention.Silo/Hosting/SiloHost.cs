using StreamAttention.Grains.Hosting;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;
using StreamAttention.Silo.Apis;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// A silo with the HTTP API in one process: the shared configuration of <see cref="StreamAttentionHost"/>, the
/// cluster and storage from section "Cluster", the grains, Kestrel on <c>urls</c>, and the Kafka ingest pipeline when
/// <c>Ingest:Enabled</c> is true.
/// </summary>
public static class SiloHost
{
    public static WebApplicationBuilder CreateBuilder(IEnumerable<string> configurationArgs, string? urls = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        StreamAttentionHost.Configure(builder, configurationArgs);
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }
        builder.UseOrleans(silo => silo.UseStreamAttentionCluster(builder.Configuration).AddStreamAttentionGrains());
        builder.Services.AddStreamAttentionApis();
        // After the silo: its hosted service must have started before the pipeline calls grains.
        if (builder.Configuration.GetValue<bool>($"{KafkaIngestOptions.SectionName}:{nameof(KafkaIngestOptions.Enabled)}"))
        {
            builder.Services.AddKafkaIngest().BindConfiguration(KafkaIngestOptions.SectionName);
        }
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder) => builder.Build().MapStreamAttentionApis();
}
