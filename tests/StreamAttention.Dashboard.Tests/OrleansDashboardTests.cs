using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace StreamAttention.Dashboard.Tests;

/// <summary>The Orleans dashboard, mounted: a silo address in its URL that is not one answers as the API's errors do.</summary>
public sealed class OrleansDashboardTests(OrleansDashboardTests.Host host) : IClassFixture<OrleansDashboardTests.Host>
{
    [Theory]
    [InlineData("SiloProperties")]
    [InlineData("SiloCounters")]
    [InlineData("SiloMetadata")]
    [InlineData("SiloStats")]
    [InlineData("HistoricalStats")]
    public async Task A_silo_route_answers_a_malformed_address_with_400_and_an_unknown_silo_with_404_as_problem_details(string route)
    {
        using var malformed = await host.Http.GetAsync($"/orleans/{route}/not-a-silo");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Not a silo address", (await malformed.Content.ReadFromJsonAsync<ProblemDetails>())!.Title);

        using var unknown = await host.Http.GetAsync($"/orleans/{route}/127.0.0.1:1@1");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("No such silo", (await unknown.Content.ReadFromJsonAsync<ProblemDetails>())!.Title);

        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        using var known = await host.Http.GetAsync($"/orleans/{route}/{silo}");
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
    }

    [Fact]
    public async Task The_dashboards_fonts_and_images_are_served_by_their_paths()
    {
        using var font = await host.Http.GetAsync("/orleans/fonts/fa-solid-900.woff2");
        Assert.Equal(HttpStatusCode.OK, font.StatusCode);
        using var image = await host.Http.GetAsync("/orleans/img/OrleansLogo.png");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
    }

    [Fact]
    public async Task The_page_and_the_files_it_loads_may_not_be_framed_sniffed_or_referred_from_and_say_their_types()
    {
        var page = await host.Http.GetStringAsync("/orleans/");
        Assert.Contains("src=\"./index.min.js\"", page);
        Assert.Contains("href=\"./index.css\"", page);
        foreach (var (path, mediaType) in new[] { ("/orleans/", "text/html"), ("/orleans/index.min.js", "text/javascript"), ("/orleans/index.css", "text/css") })
        {
            using var response = await host.Http.GetAsync(path);
            response.EnsureSuccessStatusCode();
            // nosniff: a browser runs the script and applies the style sheet only as the types they are served with.
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }
    }

    public sealed class Host : SiloHostFixture
    {
        protected override IEnumerable<string> Arguments => ["--Dashboard:OrleansDashboard=true"];
    }
}
