using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Server.Options;

/// <summary>
/// Who may call the HTTP API (section "Auth"): JWT bearer tokens (a signing key with issuer and audience, or an OIDC
/// authority) and API keys for services, stored as SHA-256 hashes. <see cref="Enabled"/> false lets every caller do
/// everything (tests and throwaway demos; a warning is logged at start).
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    public bool Enabled { get; set; } = true;

    /// <summary>An OIDC authority (its discovery document gives the signing keys); instead of <see cref="SigningKey"/>.</summary>
    public string? Authority { get; set; }

    /// <summary>The tokens' expected issuer ("iss").</summary>
    public string Issuer { get; set; } = "streamattention";

    /// <summary>The tokens' expected audience ("aud").</summary>
    public string Audience { get; set; } = "streamattention";

    /// <summary>A symmetric HMAC-SHA256 key, base64, at least 32 bytes. A secret: pass it from a secret store, never a checked-in file.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Further keys (base64, at least 32 bytes each) whose tokens are accepted; tokens are signed with
    /// <see cref="SigningKey"/> alone. Rotating the key: while a rolling update replaces the silos, old and new ones both
    /// accept the tokens either key signed (Deploy/README.md, "Rotating the signing key").
    /// </summary>
    public List<string> AcceptedSigningKeys { get; set; } = [];

    /// <summary>Tolerated clock difference when checking a token's lifetime.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Service callers: each key's SHA-256 hash (hex) with the role and tenant it acts as.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(Authority) && SigningKey is null)
        {
            yield return new ValidationResult("Auth needs Auth:SigningKey (base64, ≥ 32 bytes) or Auth:Authority (OIDC), or Auth:Enabled=false.", [nameof(SigningKey)]);
        }
        if (SigningKey is not null && SigningKeyBytes() is not { Length: >= 32 })
        {
            yield return new ValidationResult("Auth:SigningKey must be base64 of at least 32 bytes.", [nameof(SigningKey)]);
        }
        foreach (var (key, index) in AcceptedSigningKeys.Select((k, i) => (k, i)))
        {
            if (KeyBytes(key) is not { Length: >= 32 })
            {
                yield return new ValidationResult($"Auth:AcceptedSigningKeys:{index} must be base64 of at least 32 bytes.", [nameof(AcceptedSigningKeys)]);
            }
        }
        if (string.IsNullOrWhiteSpace(Issuer) || string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult("Auth:Issuer and Auth:Audience must be set.", [nameof(Issuer), nameof(Audience)]);
        }
        foreach (var (key, index) in ApiKeys.Select((k, i) => (k, i)))
        {
            foreach (var error in key.Validate(index))
            {
                yield return error;
            }
        }
    }

    public byte[]? SigningKeyBytes() => KeyBytes(SigningKey);

    /// <summary>The keys a token's signature is checked against: <see cref="SigningKey"/>'s, then <see cref="AcceptedSigningKeys"/>'.</summary>
    public IEnumerable<byte[]> VerificationKeyBytes()
        => new[] { SigningKey }.Concat(AcceptedSigningKeys).Select(KeyBytes).OfType<byte[]>();

    private static byte[]? KeyBytes(string? key)
    {
        try
        {
            return key is null ? null : Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>One service's API key: never the key itself, only its SHA-256 (64 hex digits).</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Names the caller in logs and rate limits.</summary>
    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the key's UTF-8 bytes, hex (e.g. <c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = "";

    /// <summary><c>user</c>, <c>tenant-admin</c> or <c>operator</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>The tenant the key acts in; required for <c>user</c> and <c>tenant-admin</c>.</summary>
    public string? Tenant { get; set; }

    /// <summary>The user the key acts as (role <c>user</c>).</summary>
    public string? User { get; set; }

    internal IEnumerable<ValidationResult> Validate(int index)
    {
        var at = $"Auth:ApiKeys:{index}";
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return new ValidationResult($"{at}:Name must be set.");
        }
        if (Sha256.Length != 64 || !Sha256.All(Uri.IsHexDigit))
        {
            yield return new ValidationResult($"{at}:Sha256 must be 64 hex digits (the SHA-256 of the key, not the key).");
        }
        if (!Security.Roles.All.Contains(Role))
        {
            yield return new ValidationResult($"{at}:Role must be one of {string.Join(", ", Security.Roles.All)}.");
        }
        if (Role != Security.Roles.Operator && string.IsNullOrWhiteSpace(Tenant))
        {
            yield return new ValidationResult($"{at}:Tenant must be set for role {Role}.");
        }
        if (Role == Security.Roles.User && string.IsNullOrWhiteSpace(User))
        {
            yield return new ValidationResult($"{at}:User must be set for role user.");
        }
    }
}
