using StreamAttention.Grains.Hosting;
using StreamAttention.Silo.Apis;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// A silo with the HTTP API in one process: the shared configuration of <see cref="StreamAttentionHost"/>, the
/// cluster and storage from section "Cluster", the grains, and Kestrel on <c>urls</c>.
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
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder) => builder.Build().MapStreamAttentionApis();
}
