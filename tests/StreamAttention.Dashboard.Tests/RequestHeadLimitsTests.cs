using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// Requests whose target or headers are too long, sent over raw TCP (HttpClient refuses to build some of them): they get
/// problem details, as every other error of the API does, not Kestrel's empty 414 and 431.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class RequestHeadLimitsTests(SiloHostFixture host)
{
    [Fact]
    public async Task A_request_target_past_the_limit_is_a_414_problem_naming_it()
    {
        var (status, body) = await SendAsync($"GET /health/live?padding={new string('a', 9_000)} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");

        Assert.Equal(414, status);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal((414, "Request target too long"), ((int?)problem["status"], (string?)problem["title"]));
        Assert.Contains("Limits:MaxRequestTargetBytes", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Request_headers_past_the_limit_are_a_431_problem_naming_it()
    {
        var (status, body) = await SendAsync($"GET /health/live HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Padding: {new string('a', 40_000)}\r\n\r\n");

        Assert.Equal(431, status);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal((431, "Request headers too large"), ((int?)problem["status"], (string?)problem["title"]));
        Assert.Contains("Limits:MaxRequestHeadersBytes", (string?)problem["detail"]);
    }

    /// <summary>One HTTP/1.0 request (its answer is not chunked, and the connection closes after it): the answer's status and body.</summary>
    private async Task<(int Status, string Body)> SendAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync();
        var head = answer.Split("\r\n\r\n", 2);
        return (int.Parse(head[0].Split(' ')[1]), head.Length > 1 ? head[1] : "");
    }
}
