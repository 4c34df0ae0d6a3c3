using System.Collections.Frozen;

namespace StreamAttention.Contracts.Diagnostics;

/// <summary>
/// The <c>tenant</c> tag's values: a tenant the configuration names is its own series; any other tenant (a header or
/// field may name any of up to 128 characters) counts in <see cref="Other"/>, so a producer cannot make a counter grow
/// a series per name it invents; no tenant at all is <see cref="None"/>. Neither can be a tenant's id
/// (<see cref="Users.Ids.Pattern"/> has no parentheses).
/// </summary>
public sealed class MeteredTenants(IEnumerable<string> configured)
{
    public const string Tag = "tenant";
    public const string Other = "(other)";
    public const string None = "(none)";

    private readonly FrozenSet<string> _configured = configured.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every value the tag takes: the configured tenants, <see cref="Other"/> and <see cref="None"/>.</summary>
    public IEnumerable<string> Values => _configured.Order(StringComparer.Ordinal).Append(Other).Append(None);

    public string Of(string? tenant) => tenant is null ? None : _configured.Contains(tenant) ? tenant : Other;
}
