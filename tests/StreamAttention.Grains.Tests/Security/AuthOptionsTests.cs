using System.ComponentModel.DataAnnotations;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>What start-up validation of section "Auth" refuses, each with a message naming the setting.</summary>
public sealed class AuthOptionsTests
{
    public static TheoryData<AuthOptions, string> Invalid => new()
    {
        { new AuthOptions(), "Auth:SigningKey" },
        { new AuthOptions { SigningKey = Convert.ToBase64String(new byte[16]) }, "at least 32 bytes" },
        { new AuthOptions { SigningKey = "not base64!" }, "at least 32 bytes" },
        { new AuthOptions { SigningKey = TestAuth.SigningKey, AcceptedSigningKeys = [TestAuth.SigningKey, Convert.ToBase64String(new byte[16])] }, "Auth:AcceptedSigningKeys:1" },
        { new AuthOptions { SigningKey = TestAuth.SigningKey, AcceptedSigningKeys = ["not base64!"] }, "Auth:AcceptedSigningKeys:0" },
        { WithKey(new ApiKeyOptions { Name = "k", Sha256 = "the-key-itself", Role = Roles.Operator }), "Sha256" },
        { WithKey(new ApiKeyOptions { Name = "k", Sha256 = new string('a', 64), Role = "admin" }), "Role" },
        { WithKey(new ApiKeyOptions { Name = "k", Sha256 = new string('a', 64), Role = Roles.TenantAdmin }), "Tenant" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_settings_are_refused_with_their_name(AuthOptions options, string named)
    {
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.ErrorMessage!.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Auth_off_needs_no_key()
    {
        var options = new AuthOptions { Enabled = false };
        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    private static AuthOptions WithKey(ApiKeyOptions key) => new() { SigningKey = TestAuth.SigningKey, ApiKeys = [key] };
}
