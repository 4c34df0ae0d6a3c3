using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>A silo with auth on and an API key for tenant acme's admin service.</summary>
public class SecuredSiloFixture : SiloHostFixture
{
    public const string AcmeServiceKey = "acme-service-key-for-tests";

    /// <summary>The HTTP side's tenant counters as this host measured them, from before it started.</summary>
    public HttpCounters Counters { get; } = new();

    /// <summary>A signing key the silo accepts tokens of but does not sign with, as during a rotation.</summary>
    public static readonly string AcceptedSigningKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("the tests' earlier signing key, 40 bytes"));

    protected override IEnumerable<string> Arguments =>
    [
        $"--Auth:AcceptedSigningKeys:0={AcceptedSigningKey}",
        "--Auth:ApiKeys:0:Name=acme-service",
        $"--Auth:ApiKeys:0:Sha256={Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(AcmeServiceKey)))}",
        $"--Auth:ApiKeys:0:Role={Roles.TenantAdmin}",
        "--Auth:ApiKeys:0:Tenant=acme",
        // Off by default; on here so the matrix covers who may open it.
        "--Dashboard:OrleansDashboard=true",
    ];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Counters.Dispose();
    }

    /// <summary>A client for a caller of its own: <paramref name="role"/> in <paramref name="tenant"/> as <paramref name="subject"/>.</summary>
    public HttpClient As(string role, string? tenant, string subject) => CreateClient(TestAuth.Token(role, tenant, subject));
}

/// <summary>
/// Limits small enough to reach in a test: 2 streams and 2 other requests at once per caller, 4 texts and 4 KiB per <c>/score</c>, 2 KiB per body on
/// a user's routes, 5 requests per caller and hour. Tests use callers (subjects) of their own, so one test's use never counts against another's.
/// </summary>
public sealed class LimitedSiloFixture : SecuredSiloFixture
{
    public const int StreamsPerCaller = 2;
    public const int ConcurrentRequestsPerCaller = 2;
    public const int MaxScoreTexts = 4;
    public const int MaxRequestBodyBytes = 4096;
    public const int MaxUserRequestBodyBytes = 2048;
    public const int RequestsPerWindow = 5;

    protected override IEnumerable<string> Arguments =>
    [
        .. base.Arguments,
        $"--Limits:StreamsPerCaller={StreamsPerCaller}",
        $"--Limits:ConcurrentRequestsPerCaller={ConcurrentRequestsPerCaller}",
        $"--Limits:MaxScoreTexts={MaxScoreTexts}",
        $"--Limits:MaxRequestBodyBytes={MaxRequestBodyBytes}",
        $"--Limits:MaxUserRequestBodyBytes={MaxUserRequestBodyBytes}",
        $"--Limits:RequestsPerWindow={RequestsPerWindow}",
        "--Limits:Window=01:00:00",
    ];

    /// <summary>
    /// No minimum body rate: a test holds requests whose body never comes, which Kestrel would otherwise end after its
    /// 5 s grace, however slowly a loaded machine runs the rest of the test.
    /// </summary>
    protected override void Configure(WebApplicationBuilder builder)
        => builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MinRequestBodyDataRate = null);
}
