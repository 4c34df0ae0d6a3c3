using Confluent.Kafka;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// Settles a decoded message's tenant from its topic, its header and its own field (<see cref="IngestTenancyOptions"/>),
/// or rejects it as <see cref="DeadLetterReasons.UnknownTenant"/>.
/// </summary>
public sealed class MessageTenancy(IngestTenancyOptions options)
{
    private readonly HashSet<string> _tenants = options.Tenants.ToHashSet(StringComparer.Ordinal);

    public DecodeResult Resolve(DecodeResult decoded, string topic, Headers? headers)
    {
        if (decoded.Message is not { } message)
        {
            return decoded;
        }
        var fromHeaders = new List<string>();
        foreach (var header in headers?.Where(h => h.Key == options.Header) ?? [])
        {
            if (HeaderText.Of(header.GetValueBytes()) is not { } text)
            {
                return DecodeResult.Reject(DeadLetterReasons.InvalidField, $"the '{options.Header}' header is blank or not UTF-8");
            }
            fromHeaders.Add(text);
        }
        string?[] named = [options.Topics.GetValueOrDefault(topic), .. fromHeaders, message.Tenant];
        var distinct = named.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length > 1)
        {
            return Reject($"the topic, header and field name different tenants: {string.Join(", ", distinct)}");
        }
        var tenant = distinct.SingleOrDefault();
        if (tenant is null)
        {
            return options.Required ? Reject("the message names no tenant (topic mapping, header or field) and Ingest:Tenancy:Required is set") : decoded;
        }
        if (!Ids.IsValid(tenant))
        {
            return Reject($"'{tenant}' is not a tenant id: it must match {Ids.Pattern}");
        }
        if (_tenants.Count > 0 && !_tenants.Contains(tenant))
        {
            return Reject($"tenant '{tenant}' is not a known tenant");
        }
        return DecodeResult.Ok(message with { Tenant = tenant });
    }

    private static DecodeResult Reject(string detail) => DecodeResult.Reject(DeadLetterReasons.UnknownTenant, detail);
}
