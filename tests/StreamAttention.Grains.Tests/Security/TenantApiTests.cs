using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>A tenant's own routes: its usage against its quotas and its export, for its admins and operators only.</summary>
public sealed class TenantApiTests(TenantQuotaTests.QuotaSiloFixture fixture) : IClassFixture<TenantQuotaTests.QuotaSiloFixture>
{
    [Fact]
    public async Task The_usage_counts_users_with_interests_or_a_policy_and_names_the_quotas()
    {
        var tenant = $"usage-{Guid.NewGuid():N}";
        using var admin = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, tenant, "admin"));
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/users/a/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/users/a/interests/race", new { text = Texts.RacingInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/users/b/policy", new { })).StatusCode);

        var usage = await admin.GetFromJsonAsync<JsonObject>($"/tenants/{tenant}/usage");
        Assert.Equal(tenant, (string?)usage!["tenant"]);
        Assert.Equal(2, (int)usage["users"]!);
        Assert.Equal(2, (int)usage["interests"]!);
        Assert.Equal(TenantQuotaTests.QuotaSiloFixture.MaxUsers, (int)usage["maxUsers"]!);
        Assert.Equal(1_000_000, (int)usage["maxInterests"]!);
    }

    [Fact]
    public async Task The_usage_names_a_tenants_own_quota()
    {
        using var operatorClient = fixture.CreateClient(TestAuth.OperatorToken);
        var usage = await operatorClient.GetFromJsonAsync<JsonObject>($"/tenants/{TenantQuotaTests.QuotaSiloFixture.SmallTenant}/usage");
        Assert.Equal(TenantQuotaTests.QuotaSiloFixture.SmallTenantMaxInterests, (int)usage!["maxInterests"]!);
    }

    [Theory]
    [InlineData(Roles.TenantAdmin, "another", "usage")]
    [InlineData(Roles.User, "own", "usage")]
    [InlineData(Roles.TenantAdmin, "another", "export")]
    [InlineData(Roles.User, "own", "export")]
    public async Task Another_tenants_admin_and_a_user_are_refused(string role, string callerTenant, string route)
    {
        using var caller = fixture.CreateClient(TestAuth.Token(role, callerTenant, "someone"));
        Assert.Equal(HttpStatusCode.Forbidden, (await caller.GetAsync($"/tenants/own/{route}")).StatusCode);
    }

    [Fact]
    public async Task The_export_imports_into_another_tenant_as_the_same_interests_and_policies()
    {
        var (from, to) = ($"export-{Guid.NewGuid():N}", $"import-{Guid.NewGuid():N}");
        using var source = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, from, "admin"));
        Assert.Equal(HttpStatusCode.Created, (await source.PutAsJsonAsync("/users/alice/interests/db",
            new { text = Texts.DatabaseInterest, threshold = 0.55, require = new[] { "postgres" }, exclude = new[] { "staging" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await source.PutAsJsonAsync("/users/alice/interests/race", new { text = Texts.RacingInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await source.PutAsJsonAsync("/users/alice/policy", new { rateLimit = new { maxImmediate = 3 } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await source.PutAsJsonAsync("/users/bob/policy", new { digest = new { digestSize = 7 } })).StatusCode);

        using var export = await source.GetAsync($"/tenants/{from}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("application/x-ndjson", export.Content.Headers.ContentType?.MediaType);
        var body = await export.Content.ReadAsStringAsync();
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToArray();
        // alice's interests, then her policy, then bob's policy: users in order, a policy after the user's interests.
        Assert.Equal(["alice db", "alice race", "alice policy", "bob policy"],
            lines.Select(line => $"{(string?)line["userId"]} {(line["policy"] is null ? (string?)line["id"] : "policy")}"));

        using var target = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, to, "admin"));
        using var imported = await target.PostAsync($"/tenants/{to}/interests:import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        var report = (await imported.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(4, (int)report["imported"]!);
        Assert.Equal(0, (int)report["failed"]!);

        foreach (var user in new[] { "alice", "bob" })
        {
            Assert.Equal(Interests(await source.GetFromJsonAsync<JsonObject>($"/users/{user}/interests")), Interests(await target.GetFromJsonAsync<JsonObject>($"/users/{user}/interests")));
            Assert.Equal((await source.GetStringAsync($"/users/{user}/policy")), await target.GetStringAsync($"/users/{user}/policy"));
        }
        var (sourceUsage, targetUsage) = (await source.GetFromJsonAsync<JsonObject>($"/tenants/{from}/usage"), await target.GetFromJsonAsync<JsonObject>($"/tenants/{to}/usage"));
        Assert.Equal((2, 2), ((int)targetUsage!["users"]!, (int)targetUsage["interests"]!));
        Assert.Equal(((int)sourceUsage!["users"]!, (int)sourceUsage["interests"]!), ((int)targetUsage["users"]!, (int)targetUsage["interests"]!));
    }

    /// <summary>What an import compares: each interest without its times, which the import sets anew.</summary>
    internal static string[] Interests(JsonObject? user)
        => [.. user!["interests"]!.AsArray().Select(interest => { var copy = interest!.DeepClone().AsObject(); copy.Remove("created"); copy.Remove("updated"); return copy.ToJsonString(); })];

    [Fact]
    public async Task A_tenant_without_users_exports_an_empty_body()
    {
        using var operatorClient = fixture.CreateClient(TestAuth.OperatorToken);
        using var export = await operatorClient.GetAsync($"/tenants/empty-{Guid.NewGuid():N}/export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("", await export.Content.ReadAsStringAsync());
    }
}
