using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace StreamAttention.Dashboard.Tests;

/// <summary>A silo whose grain storage (Redis; the silo clusters alone) stops answering: the API names the storage, not the cluster or itself.</summary>
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

    public sealed class Host : RedisSiloHostFixture
    {
        protected override IEnumerable<string> Arguments => Redis.StorageConfiguration;
    }
}
