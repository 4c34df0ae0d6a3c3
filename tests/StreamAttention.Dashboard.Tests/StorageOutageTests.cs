using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;

namespace StreamAttention.Dashboard.Tests;

/// <summary>A silo whose grain storage (Redis; the silo clusters alone) stops answering: the API names the storage, not the cluster or itself, and writes again once it answers.</summary>
public sealed class StorageOutageTests(StorageOutageTests.Host host) : IClassFixture<StorageOutageTests.Host>
{
    [Fact]
    public async Task A_write_whose_storage_does_not_answer_is_a_503_naming_the_storage()
    {
        // The user's grain is active first: the outage meets its write, not its activation.
        using (var created = await host.Http.PutAsJsonAsync("/users/storage-outage/interests/db", new { text = "postgresql database performance tuning" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        host.Redis.Pause();
        HttpResponseMessage written;
        try
        {
            written = await host.Http.PutAsJsonAsync("/users/storage-outage/interests/cars", new { text = "electric cars and batteries" });
        }
        finally
        {
            host.Redis.Resume();
        }

        using (written)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, written.StatusCode);
            var problem = (await written.Content.ReadFromJsonAsync<ProblemDetails>())!;
            Assert.Equal("The cluster's storage did not answer; retry later.", problem.Detail);
        }
    }

    [Fact]
    public async Task A_user_whose_write_timed_out_while_its_storage_was_paused_writes_again_once_it_answers()
    {
        const string interests = "/users/storage-resumed/interests";
        using (var created = await host.Http.PutAsJsonAsync($"{interests}/db", new { text = "postgresql database performance tuning" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        host.Redis.Pause();
        try
        {
            using var unanswered = await host.Http.PutAsJsonAsync($"{interests}/cars", new { text = "electric cars and batteries" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unanswered.StatusCode);
        }
        finally
        {
            host.Redis.Resume();
        }
        // Redis has run whatever the silo sent it during the pause (the write its client gave up on may have been stored
        // late): the grain must neither refuse its next write nor have lost what it stored before.
        await host.Redis.PingAsync();

        using var written = await host.Http.PutAsJsonAsync($"{interests}/jazz", new { text = "jazz music concerts" });

        Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        var listed = (await host.Http.GetFromJsonAsync<JsonObject>(interests))!["interests"]!.AsArray();
        var ids = listed.Select(interest => (string?)interest!["id"]).ToHashSet();
        Assert.Contains("db", ids);
        Assert.Contains("jazz", ids);
    }

    public sealed class Host : RedisSiloHostFixture
    {
        protected override IEnumerable<string> Arguments => Redis.StorageConfiguration;
    }
}
