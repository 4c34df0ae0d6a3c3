using Microsoft.AspNetCore.Builder;
using StreamAttention.Server.Hosting;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>The real silo host, as the benchmarks that run a silo in their own process start and stop it.</summary>
internal static class BenchmarkSilo
{
    /// <summary>
    /// A started silo with <paramref name="provider"/>'s embedder and <paramref name="settings"/> (given last, so they
    /// may override those before them); <paramref name="ports"/>: silo, gateway, HTTP (free ones if null).
    /// </summary>
    public static async Task<WebApplication> StartAsync(string provider, IEnumerable<string> settings, int[]? ports = null)
    {
        ports ??= [LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free()];
        var builder = SiloHost.CreateBuilder(
        [
            $"--Cluster:SiloPort={ports[0]}", $"--Cluster:GatewayPort={ports[1]}",
            // The benchmarks call the silo in process or over HTTP without tokens: none to issue.
            "--Auth:Enabled=false",
            "--Embeddings:Provider=" + provider,
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ], $"http://127.0.0.1:{ports[2]}");
        var silo = SiloHost.Build(builder);
        await silo.StartAsync();
        return silo;
    }

    public static async Task StopAsync(WebApplication silo)
    {
        await silo.StopAsync();
        await silo.DisposeAsync();
    }
}
