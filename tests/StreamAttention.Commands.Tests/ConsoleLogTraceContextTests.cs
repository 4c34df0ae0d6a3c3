using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// A console line written within an activity (an ingest batch, a grain call) names its trace and span, so an operator
/// who finds it in the logs looks the trace up by its id. In the stderr-capturing collection: it writes to stderr too.
/// </summary>
[Collection(nameof(ControlCharacterEscapingLogProviderTests))]
public sealed class ConsoleLogTraceContextTests
{
    private const string Category = "StreamAttention.Ingest.Pipeline.ScoringGatewayClient";
    private const string ColorsOff = "--Logging:Console:FormatterOptions:ColorBehavior=Disabled";

    [Fact]
    public void A_line_written_within_an_activity_names_its_span_and_trace_before_the_message()
    {
        using var batch = new Activity("ingest batch").SetIdFormat(ActivityIdFormat.W3C).Start();

        var line = Assert.Single(ControlCharacterEscapingLogProviderTests.LogToConsole([ColorsOff], logger => logger.LogWarning("Scoring call failed")));

        Assert.EndsWith($"{Category}[0] => SpanId:{batch.SpanId}, TraceId:{batch.TraceId} Scoring call failed", line);
    }

    [Fact]
    public void A_line_written_outside_any_activity_has_no_scope()
    {
        Assert.Null(Activity.Current);

        var line = Assert.Single(ControlCharacterEscapingLogProviderTests.LogToConsole([ColorsOff], logger => logger.LogWarning("Scoring call failed")));

        Assert.EndsWith($"{Category}[0] Scoring call failed", line);
    }

    [Fact]
    public void Scopes_turned_off_leave_the_ids_out()
    {
        using var batch = new Activity("ingest batch").SetIdFormat(ActivityIdFormat.W3C).Start();

        var line = Assert.Single(ControlCharacterEscapingLogProviderTests.LogToConsole(
            [ColorsOff, "--Logging:Console:FormatterOptions:IncludeScopes=false"], logger => logger.LogWarning("Scoring call failed")));

        Assert.EndsWith($"{Category}[0] Scoring call failed", line);
    }
}
