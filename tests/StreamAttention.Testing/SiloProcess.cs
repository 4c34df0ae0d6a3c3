using Xunit;

namespace StreamAttention.Testing;

/// <summary>
/// <c>streamattention silo</c> (or <c>local</c>) as a child process on free loopback ports (local clustering unless the configuration
/// says otherwise), with an <see cref="HttpClient"/> for its API and its gateway port for clients such as
/// <c>streamattention ingest</c>. Killed by its PID at disposal.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    /// <summary>Loading GloVe and joining the cluster take a few seconds alone, much longer on a busy CI machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly ChildProcess _process;
    private readonly Task<string> _stdout;

    private SiloProcess(string name, ChildProcess process, int httpPort, int gatewayPort)
    {
        Name = name;
        _process = process;
        GatewayPort = gatewayPort;
        // The silo logs to stderr (captured by ChildProcess); stdout is drained so that it can never block.
        _stdout = process.StandardOutput.ReadToEndAsync();
        // Longer than Orleans' response timeout, so a call that waits on the lost silo ends with the silo's answer (503).
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) }.Authorize(TestAuth.OperatorToken);
    }

    public string Name { get; }

    public HttpClient Http { get; }

    /// <summary>The Orleans gateway, for clients in other processes (<c>--Cluster:GatewayPort</c>).</summary>
    public int GatewayPort { get; }

    /// <summary>Starts the silo and waits until it serves HTTP; <paramref name="configuration"/>: more <c>--Section:Key=value</c>.</summary>
    public static Task<SiloProcess> StartAsync(string name, params string[] configuration) => StartAsync(name, ["silo"], configuration);

    /// <summary><c>streamattention local</c> (its embedded Kafka, ingest and silo) without the sample stream, started as <see cref="StartAsync(string, string[])"/>.</summary>
    public static Task<SiloProcess> StartLocalAsync(string name, params string[] configuration) => StartAsync(name, ["local", "--rate", "0"], configuration);

    private static async Task<SiloProcess> StartAsync(string name, string[] command, string[] configuration)
    {
        int httpPort = LoopbackPort.Free(), siloPort = LoopbackPort.Free(), gatewayPort = LoopbackPort.Free();
        var process = ChildProcess.StartStreamAttention(
        [
            .. command, "--urls", $"http://127.0.0.1:{httpPort}", $"--Cluster:SiloPort={siloPort}", $"--Cluster:GatewayPort={gatewayPort}",
            "--Logging:LogLevel:Default=Warning", .. TestAuth.Arguments, .. TestCluster.RawScoringArguments, .. configuration,
        ]);
        var silo = new SiloProcess(name, process, httpPort, gatewayPort);
        try
        {
            await silo.WaitUntilServingAsync();
            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    /// <summary>kill -9: the silo gets no chance to leave the cluster or hand anything over.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM: the silo leaves the cluster gracefully.</summary>
    public async Task StopAsync()
    {
        var (exitCode, errors) = await TerminateAsync();
        Assert.True(exitCode == 0, $"silo {Name} exited with {exitCode} after SIGTERM: {errors}");
    }

    /// <summary>SIGTERM, whatever the stop's outcome: the exit code and the silo's log (stderr).</summary>
    public async Task<(int ExitCode, string Errors)> TerminateAsync()
    {
        _process.Terminate();
        var exitCode = await _process.WaitForExitAsync(StopTimeout);
        return (exitCode, await _process.StandardErrorAsync());
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Dispose();
    }

    /// <summary>Kestrel starts after the silo has joined the cluster: an HTTP answer means the silo is up.</summary>
    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        var lastError = "no attempt";
        for (var attempt = 0; DateTime.UtcNow < deadline && attempt < 2_000; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo {Name} exited before it served HTTP; its stderr: {await _process.StandardErrorAsync()} stdout: {await _stdout}");
            }
            try
            {
                using var response = await Http.GetAsync("/openapi/v1.json");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
                lastError = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                lastError = e.Message;
            }
            await Task.Delay(200);
        }
        // Killed, not disposed: its output ends with it, and StartAsync disposes it.
        _process.Kill();
        throw new TimeoutException($"silo {Name} did not serve HTTP within {StartTimeout.TotalSeconds} s (last: {lastError}); "
            + $"its stderr: {await _process.StandardErrorAsync()} stdout: {await _stdout}");
    }
}
