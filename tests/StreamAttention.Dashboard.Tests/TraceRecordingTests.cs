using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
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

    /// <summary>
    /// A log record leaves with the trace and span it was written in (the SDK's, whatever the options), as the console
    /// line reads (its message formatted) and with its scopes (a request's path), so the collector shows it as written.
    /// </summary>
    [Fact]
    public async Task With_an_exporter_a_log_record_leaves_with_its_trace_span_formatted_message_and_scopes()
    {
        var builder = Builder(ExporterArguments());
        builder.AddServiceDefaults();
        var exported = new LogRecordsExported();
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(new SimpleLogRecordExportProcessor(exported)));
        using var host = builder.Build();
        await host.StartAsync();
        const string category = "StreamAttention.Ingest.Pipeline.ScoringCallRetries";
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

        using (var batch = new ActivitySource(InstrumentNames.IngestActivitySource).StartActivity("ingest batch"))
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestPath"] = "/api/score" }))
        {
            logger.LogWarning("Scoring call failed (attempt {Attempt})", 1);
            Assert.Equal([(batch!.TraceId, batch.SpanId, "Scoring call failed (attempt 1)", "RequestPath=/api/score")], exported.Of(category));
        }
        await host.StopAsync();
    }

    /// <summary>
    /// Orleans writes a failed call's exception into its span (<c>exception.message</c>, <c>exception.stacktrace</c>), and
    /// its messages name grains as ids: a timed-out call to a user's grain names the user's key there, also in the spans
    /// of the calls it failed up through.
    /// </summary>
    [Fact]
    public async Task A_failed_grain_call_span_leaves_without_the_user_key_in_its_exception()
    {
        var builder = Builder(ExporterArguments());
        builder.AddServiceDefaults();
        using var host = builder.Build();
        await host.StartAsync();
        var userGrain = $"{StreamAttention.Grains.Users.UserGrain.GrainTypeName}/acme/alice";
        var message = $"Response did not arrive on time in 00:00:30 for message: Request [S127.0.0.1:11111:1 scoringshard/3]->[S127.0.0.1:11111:1 {userGrain}] IUserGrain.Decide #17.";

        using var call = new ActivitySource("Microsoft.Orleans.Application").StartActivity("IScoringShardGrain/Score");
        call!.SetTag("orleans.rpc.target_id", "scoringshard/3");
        call.SetTag("exception.type", typeof(TimeoutException).FullName);
        call.SetTag("exception.message", message);
        call.SetTag("exception.stacktrace", $"System.TimeoutException: {message}\n   at Orleans.Runtime.ResponseCompletionSource.GetResult()");
        call.Stop();

        Assert.Equal(typeof(TimeoutException).FullName, call.GetTagItem("exception.type"));
        Assert.Equal(message.Replace(userGrain, UserGrainIdRedaction.Redacted, StringComparison.Ordinal), call.GetTagItem("exception.message"));
        Assert.DoesNotContain("acme/alice", (string)call.GetTagItem("exception.stacktrace")!, StringComparison.Ordinal);
        Assert.Contains("scoringshard/3", (string)call.GetTagItem("exception.stacktrace")!, StringComparison.Ordinal);
        await host.StopAsync();
    }

    /// <summary>
    /// A request on a user's route: ASP.NET Core's server span leaves with the route's user written <c>{userId}</c> in
    /// <c>url.path</c>, the tenant and the rest of the path kept, and the route's template in <c>http.route</c>.
    /// </summary>
    [Fact]
    public async Task A_request_on_a_users_route_leaves_its_server_span_without_the_user()
    {
        var (span, _) = await ServeUserRequest([]);

        Assert.Equal("/tenants/acme/users/{userId}/interests/db", span.GetTagItem("url.path"));
        Assert.Equal("/tenants/{tenant}/users/{userId}/interests/{interestId}", span.GetTagItem("http.route"));
        Assert.DoesNotContain("alice", $"{span.DisplayName} {string.Join(" ", span.TagObjects)}", StringComparison.Ordinal);
    }

    /// <summary>A line logged while a request on a user's route is served: its OTLP record's request scope has the path without the user.</summary>
    [Fact]
    public async Task A_log_record_written_in_a_request_on_a_users_route_leaves_its_path_scope_without_the_user()
    {
        var (_, scopes) = await ServeUserRequest([]);

        Assert.Contains("RequestPath=/tenants/acme/users/{userId}/interests/db", scopes);
        Assert.DoesNotContain("alice", scopes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_user_paths_keep_the_user_in_the_span_and_log_scopes()
    {
        var (span, scopes) = await ServeUserRequest(["--Telemetry:RawUserPaths=true"]);

        Assert.Equal("/tenants/acme/users/alice/interests/db", span.GetTagItem("url.path"));
        Assert.Contains("RequestPath=/tenants/acme/users/alice/interests/db", scopes);
    }

    /// <summary>
    /// <c>Logging:OpenTelemetry:LogLevel</c> (Silos/README.md "Configuration") sets the OTLP export's levels by the
    /// provider's alias, which the provider keeps when it is wrapped to redact a request's path.
    /// </summary>
    [Fact]
    public async Task The_OpenTelemetry_log_level_filters_the_exported_records()
    {
        const string category = "StreamAttention.Server.Apis.InterestsApi";
        var builder = Builder([.. ExporterArguments(), $"--Logging:OpenTelemetry:LogLevel:{category}=Error"]);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.AddServiceDefaults();
        var exported = new LogRecordsExported();
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(new SimpleLogRecordExportProcessor(exported)));
        using var host = builder.Build();
        await host.StartAsync();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

        logger.LogWarning("Interest not found");
        logger.LogError("Interest not stored");

        Assert.Equal("Interest not stored", Assert.Single(exported.Of(category)).Message);
        await host.StopAsync();
    }

    [Fact]
    public void Raw_user_paths_that_are_no_boolean_stop_the_start()
    {
        var builder = Builder(["--Telemetry:RawUserPaths=sometimes"]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddServiceDefaults());
        Assert.Contains("Telemetry:RawUserPaths", error.Message);
    }

    /// <summary>
    /// Serves one GET of a user's interest on loopback with the service defaults exporting (and
    /// <paramref name="arguments"/>), its handler logging a warning: the server span as exported and the scopes of the
    /// exported log record.
    /// </summary>
    private static async Task<(Activity Span, string Scopes)> ServeUserRequest(string[] arguments)
    {
        var port = LoopbackPort.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Configuration.AddCommandLine([.. ExporterArguments(), .. arguments]);
        builder.AddServiceDefaults();
        var exported = new LogRecordsExported();
        builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddProcessor(new SimpleLogRecordExportProcessor(exported)));
        var spans = new ServerSpans();
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(spans));
        await using var app = builder.Build();
        const string category = "StreamAttention.Server.Apis.InterestsApi";
        app.MapGet("/tenants/{tenant}/users/{userId}/interests/{interestId}", (ILoggerFactory logs) =>
        {
            logs.CreateLogger(category).LogWarning("Interest not found");
            return Results.NotFound();
        });
        await app.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/tenants/acme/users/alice/interests/db")).StatusCode);
        // The span ends once the response is written, which may be after the client read it; the bound only stops a hang.
        var span = await spans.First.WaitAsync(TimeSpan.FromSeconds(30));
        await app.StopAsync();
        return (span, Assert.Single(exported.Of(category)).Scopes);
    }

    /// <summary>The first server span (ASP.NET Core's) as it reaches the processors after the service defaults' own.</summary>
    private sealed class ServerSpans : BaseProcessor<Activity>
    {
        private readonly TaskCompletionSource<Activity> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Activity> First => _first.Task;

        public override void OnEnd(Activity data)
        {
            if (data.Kind == ActivityKind.Server)
            {
                _first.TrySetResult(data);
            }
        }
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

    /// <summary>
    /// What the log exporter was given: each record's category, trace, span, formatted message and scopes' values
    /// (<c>key=value</c>, comma-separated), copied, since a record is reused after its export.
    /// </summary>
    private sealed class LogRecordsExported : BaseExporter<LogRecord>
    {
        private readonly ConcurrentQueue<(string? Category, (ActivityTraceId, ActivitySpanId, string?, string) Record)> _records = new();

        /// <summary>The records of <paramref name="category"/> (the host logs its start too).</summary>
        public IReadOnlyList<(ActivityTraceId TraceId, ActivitySpanId SpanId, string? Message, string Scopes)> Of(string category)
            => [.. _records.Where(r => r.Category == category).Select(r => r.Record)];

        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            foreach (var record in batch)
            {
                var scopes = new List<string>();
                record.ForEachScope((scope, values) =>
                {
                    foreach (var value in scope)
                    {
                        values.Add($"{value.Key}={value.Value}");
                    }
                }, scopes);
                _records.Enqueue((record.CategoryName, (record.TraceId, record.SpanId, record.FormattedMessage, string.Join(",", scopes))));
            }
            return ExportResult.Success;
        }
    }

    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class Collection;
}
