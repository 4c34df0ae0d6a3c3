using System.ComponentModel.DataAnnotations;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>What start-up validation of section "Tenants" refuses in its overrides, and whose quotas apply to whom.</summary>
public sealed class TenantQuotaOptionsTests
{
    /// <summary>
    /// The users without a tenant are counted against <c>Tenants:WithoutTenant</c>: an override under their grain's key
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

    /// <summary>
    /// In a deployment without tenant claims the users without a tenant are all its users, which no build before cluster
    /// contract 13 limited: the tenants' caps (100,000 users by default) would refuse a large one's writes after an upgrade.
    /// </summary>
    [Fact]
    public void The_users_without_a_tenant_have_no_quota_unless_set_and_not_the_tenants()
    {
        var unset = new TenantQuotaOptions { MaxUsers = 1, MaxInterests = 1 };
        Assert.Equal((null, null), (unset.For(Ids.NoTenant).MaxUsers, unset.For(Ids.NoTenant).MaxInterests));

        var set = new TenantQuotaOptions { MaxUsers = 1, WithoutTenant = new TenantQuota { MaxUsers = 7, MaxInterests = 70 } };
        Assert.Equal((7, 70), (set.For(Ids.NoTenant).MaxUsers, set.For(Ids.NoTenant).MaxInterests));
        Assert.Equal(1, set.For("acme").MaxUsers);
    }

    [Fact]
    public void A_quota_of_the_users_without_a_tenant_below_one_is_refused_with_its_key()
    {
        var options = new TenantQuotaOptions { WithoutTenant = new TenantQuota { MaxInterests = 0 } };

        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.ErrorMessage!.StartsWith("Tenants:WithoutTenant:MaxInterests:", StringComparison.Ordinal));
    }
}
