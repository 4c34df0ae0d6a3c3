using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// Users without a tenant ("bob", not "acme/bob"): counted together against the section's quotas, their usage and whole
/// export at <c>GET /users:usage</c> and <c>GET /users:export</c>, for operators only. Tests of one class share the
/// fixture's users without a tenant, so each compares what it wrote, not the totals.
/// </summary>
public sealed class TenantlessUsersTests(TenantlessUsersTests.Fixture fixture) : IClassFixture<TenantlessUsersTests.Fixture>
{
    public sealed class Fixture : SiloHostFixture
    {
        public const int MaxUsers = 1000;

        protected override IEnumerable<string> Arguments => [$"--Tenants:WithoutTenant:MaxUsers={MaxUsers}"];
    }

    [Fact]
    public async Task The_usage_counts_users_without_a_tenant_and_names_the_sections_quotas()
    {
        using var operatorClient = fixture.CreateClient(TestAuth.OperatorToken);
        var before = (await operatorClient.GetFromJsonAsync<JsonObject>("/users:usage"))!;
        var user = $"usage-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/users/{user}/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/users/{user}/interests/race", new { text = Texts.RacingInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync($"/users/{user}-policy/policy", new { })).StatusCode);
        // A tenant's user is its tenant's, not counted here.
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/tenants/acme/users/{user}/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);

        var after = (await operatorClient.GetFromJsonAsync<JsonObject>("/users:usage"))!;
        Assert.Equal(((int)before["users"]! + 2, (int)before["interests"]! + 2), ((int)after["users"]!, (int)after["interests"]!));
        Assert.Equal(Fixture.MaxUsers, (int)after["maxUsers"]!);
        Assert.Null(after["maxInterests"]); // none unless Tenants:WithoutTenant:MaxInterests sets it
        Assert.Null(after["tenant"]);
    }

    [Fact]
    public async Task The_export_restores_erased_users_through_the_import()
    {
        using var operatorClient = fixture.CreateClient(TestAuth.OperatorToken);
        var (alice, bob) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/users/{alice}/interests/db",
            new { text = Texts.DatabaseInterest, threshold = 0.55, require = new[] { "postgres" }, exclude = new[] { "staging" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/users/{alice}/interests/race", new { text = Texts.RacingInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync($"/users/{alice}/policy", new { rateLimit = new { maxImmediate = 3 } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync($"/users/{bob}/policy", new { digest = new { digestSize = 7 } })).StatusCode);
        // A tenant's user of the same id is not exported with the users without a tenant.
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/tenants/acme/users/{alice}/interests/other", new { text = Texts.RacingInterest })).StatusCode);
        var interests = new Dictionary<string, string[]>();
        var policies = new Dictionary<string, string>();
        foreach (var user in new[] { alice, bob })
        {
            interests[user] = TenantApiTests.Interests(await operatorClient.GetFromJsonAsync<JsonObject>($"/users/{user}/interests"));
            policies[user] = await operatorClient.GetStringAsync($"/users/{user}/policy");
        }

        using var export = await operatorClient.GetAsync("/users:export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/x-ndjson", export.Content.Headers.ContentType?.MediaType);
        var body = await export.Content.ReadAsStringAsync();
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToArray();
        Assert.Equal([$"{alice} db", $"{alice} race", $"{alice} policy", $"{bob} policy"],
            lines.Where(line => (string?)line["userId"] == alice || (string?)line["userId"] == bob)
                .Select(line => $"{(string?)line["userId"]} {(line["policy"] is null ? (string?)line["id"] : "policy")}"));
        Assert.All(lines, line => Assert.DoesNotContain('/', (string)line["userId"]!));

        foreach (var user in new[] { alice, bob })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await operatorClient.DeleteAsync($"/users/{user}")).StatusCode);
        }
        using var imported = await operatorClient.PostAsync("/interests:import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        var report = (await imported.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(lines.Length, (int)report["imported"]!);
        Assert.Equal(0, (int)report["failed"]!);
        foreach (var user in new[] { alice, bob })
        {
            Assert.Equal(interests[user], TenantApiTests.Interests(await operatorClient.GetFromJsonAsync<JsonObject>($"/users/{user}/interests")));
            Assert.Equal(policies[user], await operatorClient.GetStringAsync($"/users/{user}/policy"));
        }
        Assert.Single(TenantApiTests.Interests(await operatorClient.GetFromJsonAsync<JsonObject>($"/tenants/acme/users/{alice}/interests")));
    }

    /// <summary>
    /// An operator whose token names a tenant reads the users without a tenant all the same: the routes name no tenant,
    /// and the caller's is not taken for one (as <c>/users/{userId}</c> and the import take it).
    /// </summary>
    [Fact]
    public async Task An_operator_with_a_tenant_claim_reads_the_users_without_a_tenant()
    {
        using var operatorClient = fixture.CreateClient(TestAuth.OperatorToken);
        using var acmeOperator = fixture.CreateClient(TestAuth.Token(Roles.Operator, "acme", $"operator-{Guid.NewGuid():N}"));
        var user = $"claim-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync($"/users/{user}/policy", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await acmeOperator.PutAsJsonAsync($"/tenants/acme/users/{user}-acme/policy", new { })).StatusCode);

        var usage = (await acmeOperator.GetFromJsonAsync<JsonObject>("/users:usage"))!;
        var users = (await acmeOperator.GetStringAsync("/users:export")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (string?)JsonNode.Parse(line)!["userId"]).ToArray();

        Assert.Null(usage["tenant"]);
        Assert.Contains(user, users);
        Assert.DoesNotContain($"{user}-acme", users);
    }

    /// <summary>No tenant's admin reaches the users without a tenant, and a user without a tenant reaches only itself.</summary>
    [Theory]
    [InlineData(Roles.TenantAdmin, "acme", "usage")]
    [InlineData(Roles.TenantAdmin, "acme", "export")]
    [InlineData(Roles.User, null, "usage")]
    [InlineData(Roles.User, null, "export")]
    public async Task A_tenant_admin_and_a_user_without_a_tenant_are_refused(string role, string? callerTenant, string route)
    {
        using var caller = fixture.CreateClient(TestAuth.Token(role, callerTenant, $"someone-{Guid.NewGuid():N}"));
        using var refused = await caller.GetAsync($"/users:{route}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }
}

/// <summary>
/// Users without a tenant get at most <c>Tenants:WithoutTenant:MaxUsers</c>, not the tenants' <c>Tenants:MaxUsers</c>
/// (a class of its own: it fills the quota).
/// </summary>
public sealed class TenantlessQuotaTests(TenantlessQuotaTests.Fixture fixture) : IClassFixture<TenantlessQuotaTests.Fixture>
{
    public sealed class Fixture : SiloHostFixture
    {
        public const int MaxUsers = 3;

        protected override IEnumerable<string> Arguments => ["--Tenants:MaxUsers=1", $"--Tenants:WithoutTenant:MaxUsers={MaxUsers}"];
    }

    [Fact]
    public async Task Users_without_a_tenant_get_at_most_their_own_users_and_a_deleted_user_frees_its_place()
    {
        using var operatorClient = fixture.CreateClient(TestAuth.OperatorToken);
        for (var user = 0; user < Fixture.MaxUsers - 1; user++)
        {
            Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync($"/users/u{user}/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        }
        // A user without a tenant writing itself (a token without a tenant claim) counts as the operator's writes do.
        using var self = fixture.CreateClient(TestAuth.Token(Roles.User, null, "self"));
        Assert.Equal(HttpStatusCode.OK, (await self.PutAsJsonAsync("/users/self/policy", new { })).StatusCode);

        using var refused = await operatorClient.PutAsJsonAsync("/users/one-too-many/interests/db", new { text = Texts.DatabaseInterest });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Tenants:WithoutTenant:MaxUsers", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Empty((await operatorClient.GetFromJsonAsync<JsonObject>("/users/one-too-many/interests"))!["interests"]!.AsArray());
        // A tenant's users are not counted with them.
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync("/tenants/acme/users/one-too-many/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await operatorClient.DeleteAsync("/users/self")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await operatorClient.PutAsJsonAsync("/users/one-too-many/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
    }
}
