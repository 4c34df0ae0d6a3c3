using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using StreamAttention.Ingest.EmbeddedKafka.Tests;
using StreamAttention.Silos.Tests;
using StreamAttention.Testing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// <c>streamattention silo</c> as a child process on free loopback ports, with <see cref="Traffic"/>'s interests put
/// through its HTTP API. The in-process test cluster talks over an in-memory transport, so a separate ingest process
/// needs a silo with a real gateway.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    private readonly ChildProcess _process;

    private SiloProcess(ChildProcess process, int gatewayPort) => (_process, GatewayPort) = (process, gatewayPort);

    public int GatewayPort { get; }

    public static async Task<SiloProcess> StartAsync()
    {
        var (siloPort, gatewayPort, httpPort) = (LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free());
        var process = ChildProcess.Start("dotnet", IngestHosts.StreamAttentionDll, "silo", "--urls", $"http://127.0.0.1:{httpPort}",
            $"--Cluster:SiloPort={siloPort}", $"--Cluster:GatewayPort={gatewayPort}", "--Logging:LogLevel:Default=Warning");
        var silo = new SiloProcess(process, gatewayPort);
        try
        {
            await PutInterestsAsync(new Uri($"http://127.0.0.1:{httpPort}"));
            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    /// <summary>Retries until the silo answers (it loads the model and joins its cluster first), within a deadline.</summary>
    private static async Task PutInterestsAsync(Uri address)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + StartDeadline;
        while (true)
        {
            try
            {
                (await http.PutAsJsonAsync($"/users/{Traffic.DatabaseUser}/interests/{Traffic.InterestId}", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
                (await http.PutAsJsonAsync($"/users/{Traffic.RacingUser}/interests/{Traffic.InterestId}", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold })).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }


    public void Dispose() => _process.Dispose();
}
