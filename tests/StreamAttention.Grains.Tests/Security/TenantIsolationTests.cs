using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>Over HTTP, one tenant's callers neither read nor write another tenant's users, whatever route they use.</summary>
public sealed class TenantIsolationTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    [Fact]
    public async Task Same_user_id_in_two_tenants_is_two_users()
    {
        var user = $"twin-{Guid.NewGuid():N}";
        using var acme = fixture.As(Roles.User, "acme", user);
        using var globex = fixture.As(Roles.User, "globex", user);
        Assert.Equal(HttpStatusCode.Created, (await acme.PutAsJsonAsync($"/users/{user}/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);

        var globexView = await globex.GetFromJsonAsync<JsonObject>($"/users/{user}/interests");
        Assert.Empty(globexView!["interests"]!.AsArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await globex.GetAsync($"/tenants/acme/users/{user}/interests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await globex.DeleteAsync($"/tenants/acme/users/{user}/interests/db")).StatusCode);
        var acmeView = await acme.GetFromJsonAsync<JsonObject>($"/tenants/acme/users/{user}/interests");
        Assert.Single(acmeView!["interests"]!.AsArray());
    }

    [Fact]
    public async Task A_users_policy_and_feedback_are_its_own_tenants()
    {
        var user = $"attentive-{Guid.NewGuid():N}";
        using var acme = fixture.As(Roles.User, "acme", user);
        using var globex = fixture.As(Roles.User, "globex", user);
        (await acme.PutAsJsonAsync($"/users/{user}/interests/db", new { text = Texts.DatabaseInterest, threshold = 0.5 })).EnsureSuccessStatusCode();
        (await acme.PutAsJsonAsync($"/users/{user}/policy", new { rateLimit = new { maxImmediate = 3, window = "01:00:00" } })).EnsureSuccessStatusCode();
        Assert.Equal(3, (int)(await acme.GetFromJsonAsync<JsonObject>($"/tenants/acme/users/{user}/policy"))!["rateLimit"]!["maxImmediate"]!);
        Assert.Equal(10, (int)(await globex.GetFromJsonAsync<JsonObject>($"/users/{user}/policy"))!["rateLimit"]!["maxImmediate"]!);

        using var operatorHttp = fixture.As(Roles.Operator, null, $"operator-{Guid.NewGuid():N}");
        (await operatorHttp.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage }, userId = $"acme/{user}" })).EnsureSuccessStatusCode();
        var matchId = (string)(await acme.GetFromJsonAsync<JsonObject>($"/users/{user}/matches"))!["matches"]![0]!["matchId"]!;

        // The globex user of the same id has no such match; acme's user moves its own interest's threshold.
        Assert.Equal(HttpStatusCode.NotFound, (await globex.PostAsJsonAsync($"/users/{user}/matches/{matchId}/feedback", new { relevant = false })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await globex.PostAsJsonAsync($"/tenants/acme/users/{user}/matches/{matchId}/feedback", new { relevant = false })).StatusCode);
        var feedback = await (await acme.PostAsJsonAsync($"/users/{user}/matches/{matchId}/feedback", new { relevant = false })).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(0.51, (double)feedback!["threshold"]!, 3);
        Assert.Equal(HttpStatusCode.NotFound, (await globex.GetAsync($"/users/{user}/feedback")).StatusCode);
    }

    [Fact]
    public async Task A_tenant_import_cannot_name_another_tenants_user()
    {
        using var admin = fixture.As(Roles.TenantAdmin, "globex", $"admin-{Guid.NewGuid():N}");
        var body = """{"userId": "acme/victim", "id": "db", "text": "database"}""" + "\n";
        var report = await (await admin.PostAsync("/interests:import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"))).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(0, (int)report!["imported"]!);
        Assert.Equal(1, (int)report["failed"]!);
        using var acmeAdmin = fixture.As(Roles.TenantAdmin, "acme", $"admin-{Guid.NewGuid():N}");
        Assert.Empty((await acmeAdmin.GetFromJsonAsync<JsonObject>("/tenants/acme/users/victim/interests"))!["interests"]!.AsArray());
    }

    [Fact]
    public async Task The_import_without_a_tenant_cannot_name_a_tenants_user()
    {
        using var operatorHttp = fixture.As(Roles.Operator, null, $"operator-{Guid.NewGuid():N}");
        var user = $"imported-{Guid.NewGuid():N}";
        var body = $$"""{"userId": "acme/{{user}}", "id": "db", "text": "database"}""" + "\n";

        var report = await (await operatorHttp.PostAsync("/interests:import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"))).Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal((0, 1), ((int)report!["imported"]!, (int)report["failed"]!));
        Assert.Contains("POST /tenants/{tenant}/interests:import", (string?)report["errors"]![0]!["message"]);
        Assert.Empty((await operatorHttp.GetFromJsonAsync<JsonObject>($"/tenants/acme/users/{user}/interests"))!["interests"]!.AsArray());
    }

    [Fact]
    public async Task A_tenants_stream_carries_only_its_own_users_matches()
    {
        var user = $"streamed-{Guid.NewGuid():N}";
        using var operatorHttp = fixture.As(Roles.Operator, null, $"operator-{Guid.NewGuid():N}");
        foreach (var tenant in new[] { "acme", "globex" })
        {
            (await operatorHttp.PutAsJsonAsync($"/tenants/{tenant}/users/{user}/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        }
        using var acmeAdmin = fixture.As(Roles.TenantAdmin, "acme", $"admin-{Guid.NewGuid():N}");
        using var stream = await acmeAdmin.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/tenants/acme/matches/stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());

        // One text matching both tenants' users; the acme stream must show acme's and never globex's.
        (await operatorHttp.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage } })).EnsureSuccessStatusCode();
        var seen = new List<string>();
        while (!seen.Contains($"acme/{user}") && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                seen.Add((string)JsonNode.Parse(line[5..])!["userId"]!);
            }
        }
        Assert.Contains($"acme/{user}", seen);
        Assert.All(seen, u => Assert.StartsWith("acme/", u));
    }
}
