using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>The ids every route, the import and the Kafka tenancy accept.</summary>
public sealed class IdsTests
{
    [Theory]
    [InlineData("bob", true)]
    [InlineData("a.b:c-d_e", true)]
    [InlineData("...", true)]
    [InlineData(".hidden", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("bob ", false)]
    [InlineData("bob\n", false)]
    [InlineData("..\n", false)]
    public void An_id_is_up_to_128_url_safe_characters_and_no_dot_segment(string id, bool valid)
    {
        Assert.Equal(valid, Ids.IsValid(id));
        Assert.True(Ids.IsValid(new string('a', 128)));
        Assert.False(Ids.IsValid(new string('a', 129)));
    }

    [Theory]
    [InlineData("bob", true)]
    [InlineData("acme/bob", true)]
    [InlineData("acme/..", false)]
    [InlineData("../bob", false)]
    [InlineData("./bob", false)]
    [InlineData("acme/bob/x", false)]
    [InlineData("acme/bob\n", false)]
    public void A_user_id_may_carry_its_tenant(string userId, bool valid) => Assert.Equal(valid, Ids.IsValidUser(userId));

    [Theory]
    [InlineData("acme/bob", "acme")]
    [InlineData("bob", null)]
    [InlineData("/bob", null)]
    public void A_user_keys_tenant_is_what_comes_before_its_slash(string userKey, string? tenant) => Assert.Equal(tenant, Ids.TenantOf(userKey));

    [Theory]
    [InlineData("acme", "bob", "acme/bob")]
    [InlineData(null, "bob", "bob")]
    public void A_user_key_is_its_tenant_a_slash_and_its_id(string? tenant, string user, string userKey)
    {
        Assert.Equal(userKey, Ids.UserKeyOf(tenant, user));
        Assert.Equal(tenant, Ids.TenantOf(Ids.UserKeyOf(tenant, user)));
    }
}
