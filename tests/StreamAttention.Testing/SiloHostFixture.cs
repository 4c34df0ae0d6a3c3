using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Server.Hosting;
using Xunit;

namespace StreamAttention.Testing;

/// <summary>
/// The <c>streamattention silo</c> host (local clustering, memory storage, the real GloVe embedder, Kestrel) on free
/// loopback ports, started and waited on until <c>/health/ready</c> says it is ready. Subclasses add configuration
/// and services; a class or collection fixture shares one host among its tests.
/// </summary>
public class SiloHostFixture : IAsyncLifetime
{
    /// <summary>Readiness polls: the model loads and the silo joins within seconds; the bound only stops a broken start.</summary>
    private const int ReadyPolls = 240;
    private static readonly TimeSpan ReadyPollInterval = TimeSpan.FromMilliseconds(500);

    private WebApplication _app = null!;

    /// <summary>A client with an operator's token (<see cref="TestAuth"/>); <see cref="CreateClient"/> for other callers.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client of this host sending <paramref name="token"/> (none: anonymous).</summary>
    public HttpClient CreateClient(string? token) => new HttpClient { BaseAddress = BaseAddress }.Authorize(token);

    public Uri BaseAddress { get; private set; } = null!;

    public int Port => BaseAddress.Port;

    public IServiceProvider Services => _app.Services;

    public virtual async Task InitializeAsync()
    {
        string[] args =
        [
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}", $"--Cluster:ClusterId=tests-{Guid.NewGuid():N}",
            "--Logging:LogLevel:Default=Warning", .. TestAuth.Arguments, .. TestCluster.RawScoringArguments, .. Arguments,
        ];
        var builder = SiloHost.CreateBuilder(args, "http://127.0.0.1:0");
        Configure(builder);
        _app = SiloHost.Build(builder);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        Http = new HttpClient { BaseAddress = BaseAddress }.Authorize(TestAuth.OperatorToken);
        if (WaitUntilReady)
        {
            await WaitForReadyAsync();
        }
    }

    /// <summary>xUnit disposes a fixture whose start threw too: then what was not made is not stopped, and the start's exception is the one to see.</summary>
    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>Whether start-up waits for readiness; a host that is never ready says no.</summary>
    protected virtual bool WaitUntilReady => true;

    /// <summary>Extra configuration (<c>--Section:Key=value</c>).</summary>
    protected virtual IEnumerable<string> Arguments => [];

    /// <summary>Extra services before the host is built.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    private async Task WaitForReadyAsync()
    {
        JsonObject? report = null;
        for (var poll = 0; poll < ReadyPolls; poll++)
        {
            using var response = await Http.GetAsync("/health/ready");
            report = await response.Content.ReadFromJsonAsync<JsonObject>();
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            await Task.Delay(ReadyPollInterval);
        }
        throw new TimeoutException($"The silo did not become ready: {report}");
    }
}
