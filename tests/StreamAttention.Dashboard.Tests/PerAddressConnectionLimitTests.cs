using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Security;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// Limits:MaxConnectionsPerAddress end to end, set low under the default Limits:MaxConnections (4096), so what refuses
/// is the per-address limit: one client (127.0.0.1) holding its places with idle kept-alive connections gets its next
/// connection closed unanswered, counted and logged once, while the process is far from its total; a connection that
/// closes frees its place. In the health gauge's collection, which runs alone: OpenTelemetry shares a counter's stream
/// among the hosts of the process, and another host stopping meanwhile can end the series this test reads (the likely
/// cause of a loaded run that waited 90 s in vain for its count).
/// </summary>
[Collection(HealthStatusGaugeTests.Name)]
public sealed class PerAddressConnectionLimitTests(PerAddressConnectionLimitTests.Host host) : IClassFixture<PerAddressConnectionLimitTests.Host>
{
    private const int MaxConnectionsPerAddress = 3;

    private static readonly string Refused = PrometheusNames.Counter(InstrumentNames.HttpRefusedConnections);

    [Fact]
    public async Task An_address_holding_its_places_is_refused_its_next_connection_which_is_counted_and_logged_once()
    {
        var before = RefusedIn(await host.Http.GetStringAsync("/metrics"));
        // Exported at 0 from the start, as the other counters are.
        Assert.NotNull(before);
        var held = new List<TcpClient>();
        try
        {
            var refused = await RawConnections.HoldUntilRefusedAsync(host.Port, MaxConnectionsPerAddress + 1, held);
            Assert.NotNull(refused);
            refused.Dispose();
            Assert.NotEmpty(held);
            // A second refusal at once: counted, not logged again.
            var again = await RawConnections.HoldUntilRefusedAsync(host.Port, MaxConnectionsPerAddress + 1, held);
            Assert.NotNull(again);
            again.Dispose();
            Assert.Single(host.Logs.Logs, log => log.Category == typeof(PerAddressConnectionLimit).FullName
                && log.Message.StartsWith("Refused a connection from 127.0.0.1: it holds 3 open connections", StringComparison.Ordinal));

            held[0].Dispose();
            held.RemoveAt(0);
            held.Add(await RawConnections.ServedEventuallyAsync(host.Port));
        }
        finally
        {
            held.ForEach(connection => connection.Dispose());
        }
        // Scraped again until the exporter's cached response (300 ms) is not the one from before.
        await Eventually.SucceedsAsync(async () => Assert.True(RefusedIn(await host.Http.GetStringAsync("/metrics")) >= before + 2));
    }

    /// <summary>The counter's value in a scrape, <paramref name="metrics"/>; null when it has no series.</summary>
    private static double? RefusedIn(string metrics)
        => metrics.Split('\n').Select(line => Regex.Match(line, $@"^{Refused}(\{{[^}}]*\}})? (?<value>\S+)")).Where(sample => sample.Success)
            .Select(sample => (double?)double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture)).SingleOrDefault();

    public sealed class Host : SiloHostFixture
    {
        public RecordingLoggerProvider Logs { get; } = new();

        protected override IEnumerable<string> Arguments => [$"--Limits:MaxConnectionsPerAddress={MaxConnectionsPerAddress}"];

        protected override void Configure(WebApplicationBuilder builder) => builder.Logging.AddProvider(Logs);
    }
}
