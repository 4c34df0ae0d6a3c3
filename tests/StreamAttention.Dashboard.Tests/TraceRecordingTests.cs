using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// Activities are recorded only when traces are exported (<c>Telemetry:OtlpEndpoint</c>), at
/// <c>Telemetry:TraceSampleRatio</c>. The collection runs alone: a source's listeners are the whole process's, so
/// another test's host or listener would decide what these tests see.
/// </summary>
[Collection(Name)]
public sealed class TraceRecordingTests
{
    public const string Name = "trace recording";

    /// <summary>Ours and the grain calls' and silo's of Orleans: what the service defaults trace when exporting.</summary>
    private static readonly string[] TracedSources = [.. InstrumentNames.ActivitySources, "Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    [Fact]
    public async Task Without_an_exporter_no_source_is_listened_to()
    {
        var builder = Builder();
        builder.AddServiceDefaults();
        using var host = builder.Build();
        await host.StartAsync();

        Assert.False(builder.ExportsTraces());
        Assert.All(TracedSources, name => Assert.False(new ActivitySource(name).HasListeners(), name));
        await host.StopAsync();
    }

    [Fact]
    public async Task With_an_exporter_every_traced_source_records()
    {
        var builder = Builder(ExporterArguments());
        builder.AddServiceDefaults();
        using var host = builder.Build();
        await host.StartAsync();

        Assert.True(builder.ExportsTraces());
        Assert.All(TracedSources, name =>
        {
            using var activity = new ActivitySource(name).StartActivity("probe");
            Assert.True(activity is { Recorded: true }, name);
        });
        await host.StopAsync();
    }

    [Fact]
    public async Task A_sample_ratio_of_zero_records_no_trace_that_starts_here_and_follows_a_sampled_parent()
    {
        var builder = Builder([.. ExporterArguments(), "--Telemetry:TraceSampleRatio=0"]);
        builder.AddServiceDefaults();
        using var host = builder.Build();
        await host.StartAsync();
        var source = new ActivitySource(InstrumentNames.IngestActivitySource);

        using (var root = source.StartActivity("root"))
        {
            Assert.False(root?.Recorded ?? false);
        }
        var sampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using (var child = source.StartActivity("child", ActivityKind.Consumer, sampledParent))
        {
            Assert.True(child is { Recorded: true });
        }
        await host.StopAsync();
    }

    [Fact]
    public async Task A_grain_call_span_leaves_without_the_user_key_of_a_user_grain_and_keeps_other_grain_ids()
    {
        var builder = Builder(ExporterArguments());
        builder.AddServiceDefaults();
        using var host = builder.Build();
        await host.StartAsync();
        var userGrain = $"{StreamAttention.Grains.Users.UserGrain.GrainTypeName}/acme/alice";

        using (var call = new ActivitySource("Microsoft.Orleans.Application").StartActivity("IUserGrain/Decide"))
        {
            call!.SetTag("orleans.rpc.target_id", userGrain);
            call.SetTag("orleans.rpc.source_id", "scoringgateway/0");
            call.Stop();
            Assert.Equal(UserGrainIdRedaction.Redacted, call.GetTagItem("orleans.rpc.target_id"));
            Assert.Equal("scoringgateway/0", call.GetTagItem("orleans.rpc.source_id"));
        }
        using (var timer = new ActivitySource("Microsoft.Orleans.Runtime").StartActivity("IGrainTimerInvoker/InvokeCallbackAsync"))
        {
            timer!.SetTag("orleans.rpc.source_id", userGrain);
            timer.Stop();
            Assert.Equal(UserGrainIdRedaction.Redacted, timer.GetTagItem("orleans.rpc.source_id"));
        }
        await host.StopAsync();
    }

    [Theory]
    [InlineData("-0.1")]
    [InlineData("1.5")]
    public void A_sample_ratio_outside_zero_to_one_stops_the_start(string ratio)
    {
        var builder = Builder([$"--Telemetry:TraceSampleRatio={ratio}"]);

        var error = Assert.Throws<ValidationException>(() => builder.AddServiceDefaults());
        Assert.Contains("TraceSampleRatio", error.Message);
    }

    /// <summary>A collector address nothing listens on: the exporter's failures are only logged.</summary>
    private static string[] ExporterArguments() => [$"--Telemetry:OtlpEndpoint=http://127.0.0.1:{LoopbackPort.Free()}", "--Telemetry:OtlpProtocol=http/protobuf"];

    private static HostApplicationBuilder Builder(string[]? arguments = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddCommandLine(arguments ?? []);
        return builder;
    }

    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class Collection;
}
