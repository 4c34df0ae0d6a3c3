using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;
using StreamAttention.Server.Apis;

namespace StreamAttention.Grains.Tests;

/// <summary>How the API answers a failure from below it: transient ones (the cluster's storage not answering) are a 503 to retry, not a 500.</summary>
public sealed class ErrorStatusTests
{
    [Theory]
    [InlineData("timeout")]
    [InlineData("connection")]
    [InlineData("wrapped")]
    public async Task Storage_that_does_not_answer_is_a_503_problem(string failure)
    {
        Exception redis = failure == "connection"
            ? new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is active/available to service this operation")
            : new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent);
        var thrown = failure == "wrapped" ? new OrleansException("Error from storage provider during ReadStateAsync", redis) : redis;

        var (status, problem) = await AnswerToAsync(thrown);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("The cluster's storage did not answer; retry later.", (string?)problem["detail"]);
    }

    [Fact]
    public async Task An_error_of_redis_itself_is_no_reason_to_retry()
    {
        var (status, problem) = await AnswerToAsync(new RedisServerException("WRONGPASS invalid username-password pair"));

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.DoesNotContain("WRONGPASS", (string?)problem["detail"] ?? "");
    }

    /// <summary>The API's answer to an endpoint that throws <paramref name="thrown"/>.</summary>
    private static async Task<(HttpStatusCode Status, JsonObject Problem)> AnswerToAsync(Exception thrown)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{LoopbackPort.Free()}");
        builder.Services.AddStreamAttentionApis();
        await using var app = builder.Build();
        app.UseExceptionHandler();
        app.MapGet("/state", IResult () => throw thrown);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        using var response = await http.GetAsync("/state");
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }
}
