namespace StreamAttention.Ingest.Options;

/// <summary>
/// Which tenant a message belongs to (section "Ingest:Tenancy"). A message scores only against its tenant's users,
/// and its user field names a user of that tenant, never a "tenant/user" key. The tenant comes from, in this order of
/// trust: the topic it was read from (<see cref="Topics"/>), the header <see cref="Header"/>, the JSON field
/// <c>Ingest:Fields:Tenant</c>. Two sources naming different tenants dead-letter the message.
/// </summary>
public sealed class IngestTenancyOptions
{
    /// <summary>Input topic → tenant: every message of that topic is the tenant's, whatever it says (grant producers per topic).</summary>
    public Dictionary<string, string> Topics { get; set; } = [];

    /// <summary>The header naming the tenant (UTF-8); null: none is read.</summary>
    public string? Header { get; set; } = "tenant";

    /// <summary>
    /// Whether a message must have a tenant. False (the default, one-tenant deployments): a message without one scores
    /// against every user. True: it is dead-lettered (<c>unknown-tenant</c>). Set it in multi-tenant deployments.
    /// </summary>
    public bool Required { get; set; }

    /// <summary>
    /// The tenants that exist; when not empty, a message naming another tenant is dead-lettered (<c>unknown-tenant</c>).
    /// With <see cref="Topics"/>' tenants, the ones the ingest's metrics name in their <c>tenant</c> tag (any other is <c>(other)</c>).
    /// </summary>
    public List<string> Tenants { get; set; } = [];

    /// <summary>
    /// The tenants these options name, <see cref="Tenants"/> and <see cref="Topics"/>' tenants, known at start: their
    /// output topics are checked then, and the metrics' <c>tenant</c> tag names them (the ingest's and the HTTP API's).
    /// </summary>
    public IEnumerable<string> NamedTenants => Tenants.Concat(Topics.Values);

    /// <summary>Whether a message naming a user without interests is dead-lettered (<c>unknown-user</c>), at one grain call per user and batch.</summary>
    public bool RejectUnknownUsers { get; set; } = true;

    /// <summary>
    /// How long the <see cref="RejectUnknownUsers"/> check waits for the user's grain. One that has not answered by then
    /// is held up in a call of its own (a store call that does not return): its messages are scored without the check
    /// (where the grain still hangs, their decisions come back undecided and are dead-lettered for that user), and the
    /// check is not asked again until that one ends, so a hung user does not hold up the stream.
    /// </summary>
    public TimeSpan UserCheckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Routes a tenant's matches to their own topic, e.g. <c>streamattention.matches.{tenant}</c> (create them ahead):
    /// the matched user's tenant's, whatever the message's; null: every match goes to <c>Ingest:OutputTopic</c>.
    /// Matches are keyed by "tenant/user" either way. A tenant whose topic name Kafka would refuse (its id holds ':')
    /// has none: see <see cref="TenantTopicProblem"/>.
    /// </summary>
    public string? OutputTopicPattern { get; set; }

    /// <summary>
    /// Routes a tenant's immediate notifications to their own topic, e.g. <c>streamattention.notifications.{tenant}</c>;
    /// null: every one goes to <c>Ingest:NotificationTopic</c>. Keyed by "tenant/user" either way.
    /// </summary>
    public string? NotificationTopicPattern { get; set; }

    /// <summary>
    /// Routes a tenant's users' digests to their own topic, e.g. <c>streamattention.digests.{tenant}</c>;
    /// null: every digest goes to <c>Ingest:DigestTopic</c>. Keyed by "tenant/user" either way.
    /// </summary>
    public string? DigestTopicPattern { get; set; }

    public const string TenantPlaceholder = "{tenant}";

    public const string DigestTopicPatternSetting = "Ingest:Tenancy:" + nameof(DigestTopicPattern);

    /// <summary>The patterns set, each with its setting's name.</summary>
    public IEnumerable<(string Setting, string Pattern)> TopicPatterns() => MatchTopicPatterns().Concat(IfSet(DigestTopicPatternSetting, DigestTopicPattern));

    /// <summary>The match and notification patterns set (a match may be published on both topics), each with its setting's name.</summary>
    public IEnumerable<(string Setting, string Pattern)> MatchTopicPatterns()
        => IfSet("Ingest:Tenancy:" + nameof(OutputTopicPattern), OutputTopicPattern).Concat(IfSet("Ingest:Tenancy:" + nameof(NotificationTopicPattern), NotificationTopicPattern));

    private static IEnumerable<(string Setting, string Pattern)> IfSet(string setting, string? pattern) => pattern is null ? [] : [(setting, pattern)];

    /// <summary>The tenant's own topic under <paramref name="pattern"/>.</summary>
    public static string TenantTopic(string pattern, string tenant) => pattern.Replace(TenantPlaceholder, tenant, StringComparison.Ordinal);

    /// <summary>
    /// Why <paramref name="tenant"/> has no topic of its own under <paramref name="pattern"/> (set as
    /// <paramref name="setting"/>): the name it forms is one Kafka refuses; null when it has. Not escaped into a legal
    /// name: any escape of ':' could equal another tenant's own name, and so its topic.
    /// </summary>
    public static string? TenantTopicProblem(string setting, string pattern, string tenant)
        => KafkaTopicNames.IsLegal(TenantTopic(pattern, tenant))
            ? null
            : $"tenant '{tenant}' has no topic of its own: {setting} ({pattern}) makes '{TenantTopic(pattern, tenant)}' of it, and {KafkaTopicNames.Rule}";
}
