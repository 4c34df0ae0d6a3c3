using System.Net;
using System.Net.Http.Json;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>A silo started with <c>--Auth:Enabled=false</c> (tests, throwaway demos): every caller may do everything, as before auth existed.</summary>
public sealed class AuthDisabledTests(AuthDisabledTests.OpenSiloFixture fixture) : IClassFixture<AuthDisabledTests.OpenSiloFixture>
{
    public sealed class OpenSiloFixture : SiloHostFixture
    {
        protected override IEnumerable<string> Arguments => ["--Auth:Enabled=false"];
    }

    [Fact]
    public async Task Anonymous_callers_reach_every_endpoint()
    {
        using var http = fixture.CreateClient(null);
        Assert.Equal(HttpStatusCode.Created, (await http.PutAsJsonAsync("/users/open-user/interests/db", new { text = Texts.DatabaseInterest })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/tenants/any/users/someone/interests")).StatusCode);
        using var stream = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/matches/stream"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
    }

    /// <summary>The document named credentials on every operation, and a 401 and 403 the server never answered.</summary>
    [Fact]
    public Task The_openapi_document_names_no_credentials_and_no_refusals_of_them()
        => OpenApiDocumentTests.AssertEveryOperationIsDocumentedAsync(fixture, authEnabled: false);
}
