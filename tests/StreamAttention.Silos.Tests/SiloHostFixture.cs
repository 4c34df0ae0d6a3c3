using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Server.Hosting;
using StreamAttention.Testing;

namespace StreamAttention.Silos.Tests;

/// <summary>
/// The <c>streamattention silo</c> host as the command builds it (local clustering, memory storage, Kestrel) on
/// free loopback ports, with an <see cref="HttpClient"/> for its API.
/// </summary>
public sealed class SiloHostFixture : IAsyncLifetime
{
    private WebApplication _app = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string[] args =
        [
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}", $"--Cluster:ClusterId=http-tests-{Guid.NewGuid():N}",
            $"--Interests:MatchHistorySize={TestCluster.HistorySize}", "--Logging:LogLevel:Default=Warning",
        ];
        _app = SiloHost.Build(SiloHost.CreateBuilder(args, "http://127.0.0.1:0"));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

}
