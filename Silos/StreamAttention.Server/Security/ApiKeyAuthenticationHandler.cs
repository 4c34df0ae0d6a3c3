using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Security;

/// <summary>
/// The <c>ApiKey</c> scheme: a key in <c>X-Api-Key</c> or <c>Authorization: ApiKey …</c>, matched by its SHA-256
/// against <see cref="AuthOptions.ApiKeys"/>, so the configuration never holds a usable key.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private const string AuthorizationPrefix = "ApiKey ";

    public static bool HasKey(HttpRequest request)
        => request.Headers.ContainsKey(HeaderName)
            || request.Headers.Authorization.ToString().StartsWith(AuthorizationPrefix, StringComparison.OrdinalIgnoreCase);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[HeaderName].ToString() is { Length: > 0 } header
            ? header
            : Request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith(AuthorizationPrefix, StringComparison.OrdinalIgnoreCase)
                ? authorization[AuthorizationPrefix.Length..].Trim()
                : null;
        if (string.IsNullOrEmpty(key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        var match = auth.Value.ApiKeys.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(k.Sha256)));
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }
        List<Claim> claims = [new(ClaimNames.Subject, match.User ?? match.Name), new(ClaimNames.Role, match.Role), new(ClaimTypes.Name, match.Name)];
        if (match.Tenant is not null)
        {
            claims.Add(new Claim(ClaimNames.Tenant, match.Tenant));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimNames.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await AuthProblems.WriteUnauthorizedAsync(Context, result.Failure?.Message);
    }
}
