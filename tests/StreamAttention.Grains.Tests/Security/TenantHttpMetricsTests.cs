using System.Net;
using System.Text;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// The metrics tell the tenants apart on the HTTP side: the 429s by the limit that refused them and the tenant the
/// request acts in, the imported lines by outcome and tenant; the tenants configured (<c>Tenants:Overrides</c>,
/// <c>Ingest:Tenancy:Tenants</c>) each at 0 from the start, any other as <c>(other)</c>.
/// </summary>
public sealed class TenantHttpMetricsTests(TenantHttpMetricsTests.Host host) : IClassFixture<TenantHttpMetricsTests.Host>
{
    private const int RequestsPerWindow = 3;

    private const string Refused = InstrumentNames.HttpRefusedRequests;
    private const string ImportLines = InstrumentNames.ImportLines;

    [Fact]
    public async Task Each_tenants_refusals_and_imported_lines_are_their_own_series()
    {
        // At 0 for every configured tenant before any request.
        var before = host.Counters.Totals(host.Services);
        Assert.Equal(0, before[(Refused, "requests_per_window", "acme")]);
        Assert.Equal(0, before[(Refused, "concurrent_requests_per_caller", "globex")]);
        Assert.Equal(0, before[(Refused, "streams_per_caller", MeteredTenants.None)]);
        Assert.Equal(0, before[(ImportLines, "imported", "globex")]);
        Assert.Equal(0, before[(ImportLines, "failed", MeteredTenants.Other)]);

        // acme floods past its window: two refused.
        using var acme = host.As(Roles.TenantAdmin, "acme", "flooding-admin");
        await AssertAnsweredAsync(acme, "/tenants/acme/users/someone/interests", RequestsPerWindow + 2, refused: 2);
        // A tenant no setting names: one refused, counted as (other).
        using var unnamed = host.As(Roles.TenantAdmin, "initech", "initech-admin");
        await AssertAnsweredAsync(unnamed, "/tenants/initech/users/someone/interests", RequestsPerWindow + 1, refused: 1);
        // globex imports one good line and one bad.
        using var globex = host.As(Roles.TenantAdmin, "globex", "importing-admin");
        var body = $$"""
            {"userId": "ann", "id": "db", "text": "{{Texts.DatabaseInterest}}"}
            {"userId": "ann", "id": "bad id", "text": "database"}
            """;
        using var import = await globex.PostAsync("/tenants/globex/interests:import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);

        // globex opens one live stream more than it may hold.
        using var streaming = host.As(Roles.TenantAdmin, "globex", "streaming-admin");
        using var open = await streaming.GetAsync("/tenants/globex/matches/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        using var beyond = await streaming.GetAsync("/tenants/globex/matches/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.TooManyRequests, beyond.StatusCode);

        var after = host.Counters.Totals(host.Services);
        Assert.Equal(2, after[(Refused, "requests_per_window", "acme")]);
        Assert.Equal(1, after[(Refused, "requests_per_window", MeteredTenants.Other)]);
        Assert.Equal(0, after[(Refused, "requests_per_window", "globex")]);
        Assert.Equal(1, after[(Refused, "streams_per_caller", "globex")]);
        Assert.Equal(1, after[(ImportLines, "imported", "globex")]);
        Assert.Equal(1, after[(ImportLines, "failed", "globex")]);
        Assert.Equal(0, after[(ImportLines, "imported", "acme")]);
    }

    private static async Task AssertAnsweredAsync(HttpClient http, string path, int requests, int refused)
    {
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < requests; i++)
        {
            using var response = await http.GetAsync(path);
            answers.Add(response.StatusCode);
        }
        Assert.Equal(refused, answers.Count(answer => answer == HttpStatusCode.TooManyRequests));
    }

    public sealed class Host : SecuredSiloFixture
    {
        protected override IEnumerable<string> Arguments =>
        [
            .. base.Arguments,
            $"--Limits:RequestsPerWindow={RequestsPerWindow}",
            "--Limits:Window=01:00:00",
            "--Limits:StreamsPerCaller=1",
            // The configured tenants: one by a quota of its own, one by the ingest's list.
            "--Tenants:Overrides:acme:MaxUsers=1000",
            "--Ingest:Tenancy:Tenants:0=globex",
        ];
    }
}
