using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Server.Diagnostics;

/// <summary>
/// The HTTP API's counters by tenant on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>: requests the rate limiter refused (429),
/// tagged with the limit that refused them, and the lines of the imports, tagged with their outcome. Both carry the
/// tenant the request acts in (<see cref="Security.TenantScope"/>: the route's, else the caller's) as tag
/// <c>tenant</c>, bounded by <see cref="MeteredTenants"/>: the tenants this process's settings name
/// (<c>Tenants:Overrides</c>' keys, <c>Ingest:Tenancy:Tenants</c> and <c>Topics</c>), <c>(other)</c>, <c>(none)</c>,
/// as a route or a token may name any tenant. Every series is exported at 0 once the host has started.
/// </summary>
public sealed class HttpInstruments
{
    /// <summary>The <c>limit</c> tag: the setting whose limit refused the request.</summary>
    public const string RequestsPerWindow = "requests_per_window";
    public const string StreamsPerCaller = "streams_per_caller";
    public const string ConcurrentRequestsPerCaller = "concurrent_requests_per_caller";

    /// <summary>The <c>outcome</c> tag of an import's line.</summary>
    public const string Imported = "imported";
    public const string Failed = "failed";

    private static readonly string[] Limits = [RequestsPerWindow, StreamsPerCaller, ConcurrentRequestsPerCaller];
    private static readonly string[] Outcomes = [Imported, Failed];

    private readonly MeteredTenants _tenants;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _importLines;

    public HttpInstruments(IMeterFactory meters, IOptions<TenantQuotaOptions> quotas, IConfiguration configuration, IHostApplicationLifetime lifetime)
    {
        // Read from the configuration, not the ingest's options: those are bound only where an ingest runs in this
        // process, while a silo beside a standalone ingest may name its tenants too.
        var tenancy = configuration.GetSection($"{KafkaIngestOptions.SectionName}:{nameof(KafkaIngestOptions.Tenancy)}").Get<IngestTenancyOptions>() ?? new IngestTenancyOptions();
        _tenants = new MeteredTenants(quotas.Value.Overrides.Keys.Concat(tenancy.NamedTenants));
        var meter = meters.Create(InstrumentNames.Meter);
        _refused = meter.CreateCounter<long>(InstrumentNames.HttpRefusedRequests, "{request}",
            "Requests the rate limiter refused with 429, tagged limit (the Limits setting that refused them) and tenant");
        _importLines = meter.CreateCounter<long>(InstrumentNames.ImportLines, "{line}",
            "Lines of the imports answered, tagged outcome=imported|failed and tenant");
        // Created before the meter provider listens (as PerAddressConnectionLimit is), so a 0 added now would be lost.
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var tenant in _tenants.Values)
            {
                foreach (var limit in Limits)
                {
                    _refused.Add(0, RefusedTags(limit, tenant));
                }
                foreach (var outcome in Outcomes)
                {
                    _importLines.Add(0, ImportLineTags(outcome, tenant));
                }
            }
        });
    }

    /// <param name="limit">One of <see cref="RequestsPerWindow"/>, <see cref="StreamsPerCaller"/>, <see cref="ConcurrentRequestsPerCaller"/>.</param>
    public void Refused(string limit, string? tenant) => _refused.Add(1, RefusedTags(limit, _tenants.Of(tenant)));

    public void ImportAnswered(string? tenant, int imported, int failed)
    {
        var tag = _tenants.Of(tenant);
        _importLines.Add(imported, ImportLineTags(Imported, tag));
        _importLines.Add(failed, ImportLineTags(Failed, tag));
    }

    private static KeyValuePair<string, object?>[] RefusedTags(string limit, string tenant) => [new("limit", limit), new(MeteredTenants.Tag, tenant)];

    private static KeyValuePair<string, object?>[] ImportLineTags(string outcome, string tenant) => [new("outcome", outcome), new(MeteredTenants.Tag, tenant)];
}
