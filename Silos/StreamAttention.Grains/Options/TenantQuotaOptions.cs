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

    public TenantQuota For(string tenant)
        => Overrides.GetValueOrDefault(tenant) is { } own
            ? new TenantQuota { MaxUsers = own.MaxUsers ?? MaxUsers, MaxInterests = own.MaxInterests ?? MaxInterests }
            : new TenantQuota { MaxUsers = MaxUsers, MaxInterests = MaxInterests };

    /// <summary>
    /// Each override's quotas, which the section's data annotations do not reach (0 or less refused every write of the
    /// tenant), named by their keys (<c>Tenants:Overrides:acme:MaxUsers</c>) in the message, of member
    /// <see cref="Overrides"/>: a tenant's name may hold the ',' that joins a failure's members and the "'" that quotes
    /// them, so a member holding it could not be told apart from the next. No override is named <see cref="Ids.NoTenant"/>:
    /// the users without a tenant, counted by the tenant grain of that key, take the section's own quotas.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (tenant, quota) in Overrides)
        {
            if (tenant == Ids.NoTenant)
            {
                yield return new ValidationResult($"{SectionName}:{nameof(Overrides)}:{tenant}: no tenant is named so; the users without a tenant are "
                    + $"counted against {SectionName}:{nameof(MaxUsers)} and {SectionName}:{nameof(MaxInterests)}.", [nameof(Overrides)]);
            }
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(quota, new ValidationContext(quota), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    var keys = string.Join(", ", result.MemberNames.Select(member => $"{SectionName}:{nameof(Overrides)}:{tenant}:{member}"));
                    yield return new ValidationResult($"{keys}: {result.ErrorMessage}", [nameof(Overrides)]);
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
