using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>Users and interests per tenant: a write beyond a quota is a 403 problem, and what was stored before stays.</summary>
public sealed class TenantQuotaTests(TenantQuotaTests.QuotaSiloFixture fixture) : IClassFixture<TenantQuotaTests.QuotaSiloFixture>
{
    public sealed class QuotaSiloFixture : SiloHostFixture
    {
        public const int MaxUsers = 2;
        public const string SmallTenant = "small";
        public const int SmallTenantMaxInterests = 3;

        protected override IEnumerable<string> Arguments =>
            [$"--Tenants:MaxUsers={MaxUsers}", $"--Tenants:Overrides:{SmallTenant}:MaxInterests={SmallTenantMaxInterests}"];
    }

    [Fact]
    public async Task A_tenant_gets_at_most_its_users_and_a_deleted_user_frees_its_place()
    {
        var tenant = $"quota-{Guid.NewGuid():N}";
        using var admin = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, tenant, "admin"));
        for (var user = 0; user < QuotaSiloFixture.MaxUsers; user++)
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync($"/users/u{user}/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        }
        using var refused = await admin.PutAsJsonAsync("/users/one-too-many/interests/db", new { text = Texts.DatabaseInterest });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Tenants:MaxUsers", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Empty((await admin.GetFromJsonAsync<JsonObject>("/users/one-too-many/interests"))!["interests"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/users/u0/interests/db")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/users/one-too-many/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
    }

    [Fact]
    public async Task A_user_with_a_policy_alone_counts_and_an_erased_one_frees_its_place()
    {
        var tenant = $"quota-{Guid.NewGuid():N}";
        using var admin = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, tenant, "admin"));
        for (var user = 0; user < QuotaSiloFixture.MaxUsers; user++)
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/users/p{user}/policy", new { })).StatusCode);
        }
        // A counted user's policy written again adds no user.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/users/p0/policy", new { rateLimit = new { maxImmediate = 3 } })).StatusCode);

        using var refused = await admin.PutAsJsonAsync("/users/one-too-many/policy", new { });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Tenants:MaxUsers", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/users/one-too-many/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsJsonAsync("/users/one-too-many/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        using var imported = await admin.PostAsync("/interests:import", new StringContent("{\"userId\":\"one-too-many\",\"policy\":{}}\n", Encoding.UTF8, "application/x-ndjson"));
        var report = (await imported.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, (int)report["failed"]!);
        Assert.Contains("Tenants:MaxUsers", (string?)report["errors"]![0]!["message"]);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/users/p0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/users/one-too-many/policy", new { })).StatusCode);
    }

    [Fact]
    public async Task A_user_whose_last_interest_goes_stays_counted_while_it_keeps_a_policy()
    {
        var tenant = $"quota-{Guid.NewGuid():N}";
        using var admin = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, tenant, "admin"));
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/users/with-policy/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/users/with-policy/policy", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/users/without/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/users/with-policy/interests/db")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsJsonAsync("/users/third/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/users/without/interests/db")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/users/third/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
    }

    [Fact]
    public async Task A_tenant_gets_at_most_its_interests_and_keeps_those_it_has()
    {
        using var admin = fixture.CreateClient(TestAuth.Token(Roles.TenantAdmin, QuotaSiloFixture.SmallTenant, "admin"));
        for (var i = 0; i < QuotaSiloFixture.SmallTenantMaxInterests; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync($"/users/only/interests/i{i}", new { text = Texts.DatabaseInterest })).StatusCode);
        }
        var refused = await admin.PutAsJsonAsync("/users/only/interests/extra", new { text = Texts.DatabaseInterest });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        // The setting that applies: the tenant's override, not the section's.
        Assert.Contains($"(Tenants:Overrides:{QuotaSiloFixture.SmallTenant}:MaxInterests)", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        // Replacing an interest adds none: allowed at the quota.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/users/only/interests/i0", new { text = Texts.DatabaseInterest, threshold = 0.5 })).StatusCode);
        Assert.Equal(QuotaSiloFixture.SmallTenantMaxInterests, (await admin.GetFromJsonAsync<JsonObject>("/users/only/interests"))!["interests"]!.AsArray().Count);
    }
}
