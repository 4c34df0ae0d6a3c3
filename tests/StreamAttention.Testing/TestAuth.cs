using System.Net.Http.Headers;
using System.Text;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Testing;

/// <summary>
/// The tests' authentication: one signing key that every test host is started with (<see cref="Arguments"/>) and
/// tokens minted with it, so tests run with auth on, as deployments do.
/// </summary>
public static class TestAuth
{
    public static readonly string SigningKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("streamattention tests' signing key, 44 bytes."));

    public static string[] Arguments => [$"--Auth:SigningKey={SigningKey}"];

    public static AuthOptions Options => new() { SigningKey = SigningKey };

    /// <summary>An operator without a tenant: reaches every tenant and the tenant-less users the older tests use.</summary>
    public static string OperatorToken => Token(Roles.Operator, null, "test-operator");

    public static string Token(string role, string? tenant, string subject, TimeSpan? lifetime = null, string? audience = null, DateTime? now = null)
        => new TokenIssuer(Options).Issue(role, tenant, subject, lifetime ?? TimeSpan.FromHours(1), audience, now);

    public static HttpClient Authorize(this HttpClient http, string? token)
    {
        http.DefaultRequestHeaders.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
