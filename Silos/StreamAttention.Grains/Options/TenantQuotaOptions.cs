using System.ComponentModel.DataAnnotations;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Options;

/// <summary>Quotas of every tenant (section "Tenants"), with per-tenant overrides (<c>Tenants:Overrides:acme:MaxUsers=…</c>).</summary>
public sealed class TenantQuotaOptions : IValidatableObject
{
    public const string SectionName = "Tenants";

    /// <summary>Users per tenant that hold an interest or a delivery policy.</summary>
    [Range(1, int.MaxValue)]
    public int MaxUsers { get; set; } = 100_000;

    /// <summary>Interests of all the tenant's users together.</summary>
    [Range(1, int.MaxValue)]
    public int MaxInterests { get; set; } = 1_000_000;

    public Dictionary<string, TenantQuota> Overrides { get; set; } = [];

    /// <summary>
    /// Quotas of the users without a tenant, counted together (<c>Tenants:WithoutTenant:MaxUsers</c>, <c>…:MaxInterests</c>);
    /// unset, none. Not the tenants' quotas: in a deployment without tenant claims these users are all its users, which
    /// a build before cluster contract 13 never limited, so a tenant's default cap would refuse a large deployment's
    /// writes after an upgrade.
    /// </summary>
    public TenantQuota WithoutTenant { get; set; } = new();

    /// <summary>The quotas of <paramref name="tenant"/> (<see cref="Ids.NoTenant"/>: of the users without one); null: none.</summary>
    public TenantQuota For(string tenant)
        => tenant == Ids.NoTenant ? WithoutTenant
            : Overrides.GetValueOrDefault(tenant) is { } own
                ? new TenantQuota { MaxUsers = own.MaxUsers ?? MaxUsers, MaxInterests = own.MaxInterests ?? MaxInterests }
                : new TenantQuota { MaxUsers = MaxUsers, MaxInterests = MaxInterests };

    /// <summary>
    /// The setting of <paramref name="quota"/> (a member of <see cref="TenantQuota"/>) that applies to
    /// <paramref name="tenant"/>, as refusals name it: the tenant's override where it sets that quota.
    /// </summary>
    public string SettingOf(string tenant, string quota)
        => tenant == Ids.NoTenant ? $"{SectionName}:{nameof(WithoutTenant)}:{quota}"
            : Overrides.GetValueOrDefault(tenant) is { } own && (quota == nameof(TenantQuota.MaxUsers) ? own.MaxUsers : own.MaxInterests) is not null
                ? $"{SectionName}:{nameof(Overrides)}:{tenant}:{quota}"
                : $"{SectionName}:{quota}";

    /// <summary>
    /// Each override's quotas and <see cref="WithoutTenant"/>'s, which the section's data annotations do not reach (0 or
    /// less refused every write of the tenant), named by their keys (<c>Tenants:Overrides:acme:MaxUsers</c>) in the
    /// message, of member <see cref="Overrides"/>: a tenant's name may hold the ',' that joins a failure's members and the
    /// "'" that quotes them, so a member holding it could not be told apart from the next. No override is named
    /// <see cref="Ids.NoTenant"/>: the users without a tenant, counted by the tenant grain of that key, take
    /// <see cref="WithoutTenant"/>.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Overrides.ContainsKey(Ids.NoTenant))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(Overrides)}:{Ids.NoTenant}: no tenant is named so; the users without a tenant are "
                + $"counted against {SettingOf(Ids.NoTenant, nameof(TenantQuota.MaxUsers))} and …:{nameof(TenantQuota.MaxInterests)}.", [nameof(Overrides)]);
        }
        var quotas = Overrides.Select(o => (Key: $"{SectionName}:{nameof(Overrides)}:{o.Key}", Quota: o.Value, Member: nameof(Overrides)))
            .Append(($"{SectionName}:{nameof(WithoutTenant)}", WithoutTenant, nameof(WithoutTenant)));
        foreach (var (key, quota, member) in quotas)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(quota, new ValidationContext(quota), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    var keys = string.Join(", ", result.MemberNames.Select(name => $"{key}:{name}"));
                    yield return new ValidationResult($"{keys}: {result.ErrorMessage}", [member]);
                }
            }
        }
    }
}

public sealed class TenantQuota
{
    [Range(1, int.MaxValue)]
    public int? MaxUsers { get; set; }

    [Range(1, int.MaxValue)]
    public int? MaxInterests { get; set; }
}
