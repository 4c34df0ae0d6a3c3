using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Security;

/// <summary>
/// Signs tokens with the configured symmetric key (local mode's ready token, tests). A deployment with an OIDC
/// authority gets its tokens from that authority instead.
/// </summary>
public sealed class TokenIssuer(AuthOptions options)
{
    /// <summary>A random signing key (base64 of 32 bytes), e.g. local mode's per-start development key.</summary>
    public static string NewSigningKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public string Issue(string role, string? tenant, string subject, TimeSpan lifetime, string? audience = null, DateTime? now = null)
    {
        var key = options.SigningKeyBytes() ?? throw new InvalidOperationException("Auth:SigningKey is not set: tokens come from the OIDC authority.");
        var issuedAt = now ?? DateTime.UtcNow;
        List<Claim> claims = [new(ClaimNames.Subject, subject), new(ClaimNames.Role, role)];
        if (tenant is not null)
        {
            claims.Add(new Claim(ClaimNames.Tenant, tenant));
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = audience ?? options.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }
}
