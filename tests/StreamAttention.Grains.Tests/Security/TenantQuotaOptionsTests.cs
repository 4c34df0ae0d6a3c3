using System.ComponentModel.DataAnnotations;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>What start-up validation of section "Tenants" refuses in its overrides.</summary>
public sealed class TenantQuotaOptionsTests
{
    /// <summary>
    /// The users without a tenant are counted against the section's own quotas: an override under their grain's key
    /// (<see cref="Ids.NoTenant"/>, a valid configuration key) replaced those quotas for them, which no setting documents.
    /// </summary>
    [Fact]
    public void An_override_named_as_the_users_without_a_tenant_is_refused_with_its_key()
    {
        var options = new TenantQuotaOptions { Overrides = { [Ids.NoTenant] = new TenantQuota { MaxUsers = 5 } } };

        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.ErrorMessage!.StartsWith($"Tenants:Overrides:{Ids.NoTenant}:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tenants_override_is_taken()
    {
        var options = new TenantQuotaOptions { Overrides = { ["acme"] = new TenantQuota { MaxUsers = 5 } } };

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
        Assert.Equal(5, options.For("acme").MaxUsers);
    }
}
