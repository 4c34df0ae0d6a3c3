using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention token</c>: a bearer token signed with the configured <c>Auth:SigningKey</c> (the silos' own, from
/// the same settings or environment), for a deployment that shares a key instead of an OIDC authority: an operator's to
/// start with, a tenant's admin or a user's for their own tools.
/// </summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = $"the caller's role: {string.Join(", ", Roles.All)}", Required = true };
        var tenant = new Option<string?>("--tenant") { Description = "the caller's tenant (a tenant-admin's is required; an operator without one reaches every tenant)" };
        var user = new Option<string?>("--user") { Description = "the caller's user id (sub; required for a user)" };
        var lifetime = new Option<TimeSpan>("--lifetime") { Description = "how long the token is valid, e.g. 12:00:00 or 7.00:00:00", DefaultValueFactory = _ => TimeSpan.FromHours(12) };
        var command = new Command("token", "Print a bearer token signed with the configured Auth:SigningKey (e.g. STREAMATTENTION_Auth__SigningKey or --Auth:SigningKey=…).")
        {
            role, tenant, user, lifetime,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var auth = StreamAttentionHost.CreateBuilder(parse.UnmatchedTokens).Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
            var (roleName, tenantId, userId, valid) = (parse.GetValue(role)!, parse.GetValue(tenant), parse.GetValue(user), parse.GetValue(lifetime));
            if (Problem(auth, roleName, tenantId, userId, valid) is { } problem)
            {
                Console.Error.WriteLine($"token: {problem}");
                return 2;
            }
            Console.Out.WriteLine(new TokenIssuer(auth).Issue(roleName, tenantId, userId ?? roleName, valid));
            return 0;
        });
        return command;
    }

    private static string? Problem(AuthOptions auth, string role, string? tenant, string? user, TimeSpan lifetime)
    {
        if (auth.SigningKey is null)
        {
            return "Auth:SigningKey is not set: give the silos' key (--Auth:SigningKey=… or STREAMATTENTION_Auth__SigningKey), or get tokens from the OIDC authority.";
        }
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(auth, new ValidationContext(auth), errors, validateAllProperties: true))
        {
            return string.Join(" ", errors.Select(error => error.ErrorMessage));
        }
        return role switch
        {
            _ when !Roles.All.Contains(role) => $"--role must be one of {string.Join(", ", Roles.All)}, not '{role}'.",
            Roles.User when user is null => "--user is required for a user's token.",
            Roles.TenantAdmin when tenant is null => "--tenant is required for a tenant-admin's token.",
            _ when tenant is not null && UserScope.ValidatePart(tenant) is { } error => $"--tenant {error}.",
            _ when user is not null && UserScope.ValidatePart(user) is { } error => $"--user {error}.",
            _ when lifetime <= TimeSpan.Zero => "--lifetime must be positive.",
            _ => null,
        };
    }
}
