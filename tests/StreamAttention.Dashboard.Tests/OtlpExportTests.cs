using System.Net;

namespace StreamAttention.Dashboard.Tests;

/// <summary>With <c>Telemetry:OtlpEndpoint</c> set, traces reach an OTLP/HTTP collector (here a bare listener).</summary>
public sealed class OtlpExportTests(OtlpExportTests.Host host) : IClassFixture<OtlpExportTests.Host>
{
    /// <summary>The exporter sends its batch within seconds (5 s schedule); the bound only stops a test that would hang.</summary>
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Traces_are_exported_to_the_configured_collector()
    {
        (await host.Http.GetAsync("/users/otlp-user/interests")).EnsureSuccessStatusCode();

        using var timeout = new CancellationTokenSource(ExportTimeout);
        var paths = new List<string>();
        while (!paths.Contains("/v1/traces"))
        {
            var context = await host.Collector.GetContextAsync().WaitAsync(timeout.Token);
            paths.Add(context.Request.Url!.AbsolutePath);
            Assert.Equal("application/x-protobuf", context.Request.ContentType);
            context.Response.StatusCode = (int)HttpStatusCode.OK;
            context.Response.Close();
        }
    }

    public sealed class Host : SiloHostFixture, IDisposable
    {
        private readonly int _port = LoopbackPort.Free();

        public Host()
        {
            Collector.Prefixes.Add($"http://127.0.0.1:{_port}/");
            Collector.Start();
        }

        public HttpListener Collector { get; } = new();

        protected override IEnumerable<string> Arguments => [$"--Telemetry:OtlpEndpoint=http://127.0.0.1:{_port}", "--Telemetry:OtlpProtocol=http/protobuf"];

        public void Dispose() => Collector.Close();
    }
}
