using Microsoft.AspNetCore.Builder;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// xUnit disposes a class fixture whose start threw, and reports what its disposal throws beside the start's exception:
/// a fixture whose host was not made disposes without an exception of its own.
/// </summary>
public sealed class SiloHostFixtureTests
{
    [Fact]
    public async Task A_fixture_whose_host_did_not_start_disposes_without_an_exception_of_its_own()
    {
        var fixture = new FailingStart();
        var start = await Assert.ThrowsAsync<InvalidOperationException>(fixture.InitializeAsync);
        Assert.Equal(FailingStart.Reason, start.Message);

        await fixture.DisposeAsync();
    }

    private sealed class FailingStart : SiloHostFixture
    {
        public const string Reason = "the host is not made, on purpose";

        protected override void Configure(WebApplicationBuilder builder) => throw new InvalidOperationException(Reason);
    }
}
