using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class TracingTests(SiloHostFixture host)
{
    [Fact]
    public async Task A_scored_batch_is_a_span_with_its_message_and_match_counts()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == InstrumentNames.GatewayActivitySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        (await host.Http.PutAsJsonAsync("/users/tracing-user/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();

        // Three texts and this user only: no other test's batch looks like it.
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage, Texts.Unrelated, Texts.RacingMessage }, userId = "tracing-user" }))
            .EnsureSuccessStatusCode();

        var span = Assert.Single(spans, s => s.GetTagItem("streamattention.messages") is 3);
        Assert.Equal("score batch", span.DisplayName);
        Assert.Equal(1, span.GetTagItem("streamattention.matches"));
    }
}
