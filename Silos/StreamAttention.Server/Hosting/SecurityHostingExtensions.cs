using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using StreamAttention.Server.Apis;
using StreamAttention.Server.Dashboard;
using StreamAttention.Server.Diagnostics;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Authentication (JWT bearer and API keys, section "Auth"), the authorization policies of
/// <see cref="AccessPolicies"/>, and the per-caller limits (section "Limits"): what the silo and the standalone ingest
/// put in front of their endpoints.
/// </summary>
public static class SecurityHostingExtensions
{
    /// <summary>Selects the scheme per request: an API key when one is sent, else a bearer token.</summary>
    public const string CallerScheme = "Caller";

    /// <summary>A caller's routes other than live streams: its window and its requests in progress.</summary>
    public const string PerCallerRateLimit = "per-caller";

    /// <summary>A live stream's route: the caller's window (for the opening) and its open streams.</summary>
    public const string StreamsPerCallerLimit = "streams-per-caller";

    /// <summary>
    /// Where no header can be sent, a GET takes its token elsewhere: a live stream (EventSource; its endpoint marked
    /// <see cref="TokenInQuery"/>) from the query's <c>access_token</c>, the Orleans dashboard's pages from this cookie;
    /// no other route reads either.
    /// </summary>
    public const string TokenCookie = "streamattention_token";

    public static AuthOptions AddStreamAttentionSecurity(this IHostApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PerAddressConnectionLimit>();
        builder.Services.AddSingleton<HttpInstruments>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>, PerAddressConnectionLimit>((kestrel, limits, perAddress) =>
        {
            RequestHeadLimits.ConfigureKestrel(kestrel, limits.Value);
            // Kestrel's own default is no bound. Upgraded connections (none of the routes upgrades one) keep Kestrel's
            // own bound, 100; its time limits on a request's headers (30 s) and on a slow body (240 bytes/s) stay too.
            kestrel.Limits.MaxConcurrentConnections = limits.Value.MaxConnections;
            // Every endpoint, those of --urls included; after Kestrel's own count, so a refused connection frees both places.
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(perAddress.Use));
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddAuthentication(CallerScheme)
            .AddPolicyScheme(CallerScheme, CallerScheme, options => options.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.HasKey(context.Request) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((jwt, options) => ConfigureJwt(jwt, options.Value));
        builder.Services.AddSingleton<IAuthorizationHandler, RouteAccessHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenProblems>();
        builder.Services.AddAuthorization(options => AccessPolicies.Add(options, auth.Enabled));
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = WriteTooManyRequestsAsync;
            // Both policies name which of the caller's limits a route takes; the global limiter holds them, so that one
            // window counts every route of a caller, live streams included (a stream's opening costs a grain call and
            // a resumption a scan under the live feed's lock). First the cap on what the caller holds at once, its
            // streams or its other requests in progress, then the window: a request a cap refuses takes no share of
            // the window, and a closed stream frees its place but keeps its share until the window ends.
            options.AddPolicy(PerCallerRateLimit, _ => RateLimitPartition.GetNoLimiter(string.Empty));
            options.AddPolicy(StreamsPerCallerLimit, _ => RateLimitPartition.GetNoLimiter(string.Empty));
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, (string Policy, string Caller)>(context =>
                {
                    var limits = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
                    return RateLimitPolicyOf(context) switch
                    {
                        PerCallerRateLimit => RateLimitPartition.GetConcurrencyLimiter((PerCallerRateLimit, PartitionOf(context)),
                            _ => new ConcurrencyLimiterOptions { PermitLimit = limits.ConcurrentRequestsPerCaller }),
                        StreamsPerCallerLimit => RateLimitPartition.GetConcurrencyLimiter((StreamsPerCallerLimit, PartitionOf(context)),
                            _ => new ConcurrencyLimiterOptions { PermitLimit = limits.StreamsPerCaller }),
                        _ => RateLimitPartition.GetNoLimiter((string.Empty, string.Empty)),
                    };
                }),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                {
                    if (RateLimitPolicyOf(context) is not (PerCallerRateLimit or StreamsPerCallerLimit))
                    {
                        return RateLimitPartition.GetNoLimiter(string.Empty);
                    }
                    var limits = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
                    return RateLimitPartition.GetFixedWindowLimiter(PartitionOf(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.RequestsPerWindow,
                        Window = limits.Window,
                    });
                }));
        });
        return auth;
    }

    /// <summary>Authentication, authorization and the limiter, after routing so policies see the route values; a warning when auth is off.</summary>
    public static WebApplication UseStreamAttentionSecurity(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Enabled)
        {
            app.Logger.LogWarning("Auth:Enabled is false: every caller may read and change every tenant's data. Use this only for tests and throwaway demos.");
        }
        // Made now, not at the first refusal or import, so that its series are at 0 from the start.
        app.Services.GetRequiredService<HttpInstruments>();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestBodyLimits();
        return app;
    }

    private static void ConfigureJwt(JwtBearerOptions jwt, AuthOptions auth)
    {
        // Keep "sub", "role" and "tenant" as they are in the token instead of mapping them to long URIs.
        jwt.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(auth.Authority))
        {
            jwt.Authority = auth.Authority;
        }
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            // Without a key id in the token, each key is tried: the accepted ones let a rotation refuse no token given out.
            IssuerSigningKeys = [.. auth.VerificationKeyBytes().Select(key => new SymmetricSecurityKey(key))],
            ValidateIssuerSigningKey = true,
            ClockSkew = auth.ClockSkew,
            NameClaimType = ClaimNames.Subject,
            RoleClaimType = ClaimNames.Role,
        };
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // Only where a browser cannot send the header: elsewhere a token in a URL (logs, history) or a cookie is refused.
                if (HttpMethods.IsGet(context.Request.Method) && string.IsNullOrEmpty(context.Request.Headers.Authorization))
                {
                    context.Token = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<TokenInQuery>() is not null ? context.Request.Query["access_token"].FirstOrDefault()
                        : context.Request.Path.StartsWithSegments(SiloHost.OrleansDashboardPath) ? context.Request.Cookies[TokenCookie]
                        : null;
                }
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                await AuthProblems.WriteUnauthorizedAsync(context.HttpContext, context.AuthenticateFailure is { } failure ? Describe(failure) : null);
            },
        };
    }

    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenInvalidAudienceException => "The token is for another audience.",
        SecurityTokenInvalidIssuerException => "The token is from another issuer.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        _ => "The token is not valid.",
    };

    private static string PartitionOf(HttpContext context)
        => context.User.Identity?.IsAuthenticated == true
            ? Caller.From(context.User).PartitionKey
            : context.Connection.RemoteIpAddress?.ToString() ?? "anonymous";

    /// <summary>The rate-limiting policy the request's endpoint names, if any.</summary>
    private static string? RateLimitPolicyOf(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;

    private static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var limits = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
        string limit, detail;
        // The window's refusal says when to retry, on a stream's route as on the others.
        if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            SetRetryAfter(context, retryAfter);
            limit = HttpInstruments.RequestsPerWindow;
            detail = $"Too many requests from this caller; retry in {retryAfter.TotalSeconds:0} s.";
        }
        else if (RateLimitPolicyOf(context) == StreamsPerCallerLimit)
        {
            // A stream whose client went away without closing it holds its place until a write fails, at the latest
            // its next keep-alive comment: by then a place such a stream held is free again.
            var keepAlive = context.RequestServices.GetRequiredService<IOptions<LiveDashboardOptions>>().Value.StreamKeepAlive;
            SetRetryAfter(context, keepAlive);
            limit = HttpInstruments.StreamsPerCaller;
            detail = $"This caller has {limits.StreamsPerCaller} live streams open, the most it may (Limits:StreamsPerCaller); close one and retry.";
        }
        else
        {
            // The window's refusal says when to retry; the refusal of the requests in progress cannot know.
            limit = HttpInstruments.ConcurrentRequestsPerCaller;
            detail = $"This caller has {limits.ConcurrentRequestsPerCaller} requests in progress, the most it may (Limits:ConcurrentRequestsPerCaller); retry when one is done.";
        }
        context.RequestServices.GetRequiredService<HttpInstruments>().Refused(limit, TenantScope.TenantOf(context));
        await ProblemResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", detail);
    }

    private static void SetRetryAfter(HttpContext context, TimeSpan after)
        => context.Response.Headers.RetryAfter = ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
