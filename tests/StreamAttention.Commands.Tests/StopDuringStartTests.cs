using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// A stop (SIGTERM, Ctrl+C) that comes while a command's silo host is still starting, as Kubernetes stops a pod that is
/// still starting: the commands' own path (<see cref="SiloHost.Build"/>, <see cref="StopDuringStart.RunAsync"/>), with a
/// hosted service whose start the test holds.
/// </summary>
public sealed class StopDuringStartTests
{
    [Fact]
    public async Task A_stop_during_the_start_stops_what_started_and_ends_as_a_stop_after_start_does()
    {
        var before = new RecordingService();
        var gate = new GatedStart();
        var after = new RecordingService();
        await using var app = SiloHostStartingWith(before, gate, after);
        using var logs = new RecordingLoggerProvider();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        var run = StopDuringStart.RunAsync(app, CancellationToken.None);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        // What the console lifetime does on SIGTERM or Ctrl+C.
        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        // It threw the start's cancellation (exit code 1 and its stack) before.
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.True(before.Stopped);
        // Nor are the services whose start never came stopped: the silo's refused, which failed the stop.
        Assert.False(after.Stopped);
        Assert.Contains(logs.Logs, log => log.Level == LogLevel.Information && log.Message.StartsWith("Stopped during start-up", StringComparison.Ordinal));
        // The host's report of the cancellation ("Hosting failed to start" and its stack) is not shown: the console's
        // logger is behind the filter, which drops it now that the host stops.
        Assert.Single(app.Services.GetServices<ILoggerProvider>().OfType<StopDuringStartLogFilter>());
        using var shown = new RecordingLoggerProvider();
        var hostLog = new StopDuringStartLogFilter(shown, app.Services).CreateLogger(RefusedConfigurationLogFilter.HostCategory);
        hostLog.LogError(new TaskCanceledException(), "Hosting failed to start");
        hostLog.LogError(new InvalidOperationException("refused"), "Hosting failed to start");
        Assert.Equal(["Hosting failed to start"], shown.Messages);
    }

    [Fact]
    public async Task A_stop_that_came_before_the_host_took_the_signals_ends_as_a_stop_during_start_up()
    {
        var gate = new GatedStart();
        await using var app = SiloHostStartingWith(gate);
        using var logs = new RecordingLoggerProvider();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        // What the command's token says when a signal came while its host was being built (CommandInterruption.ForLongRunning).
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();

        // The start's cancellation was no stop of the host's own: it threw (exit code 1 and its stack).
        Assert.Equal(StopDuringStart.ExitCode, await StopDuringStart.RunAsync(app, stopped.Token).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(gate.Entered.IsCompleted);
        Assert.Contains(logs.Logs, log => log.Level == LogLevel.Information && log.Message == StopDuringStart.Message);
    }

    [Fact]
    public async Task A_stop_during_the_start_stops_the_service_whose_start_it_cancelled()
    {
        var gate = new GatedStart();
        await using var app = SiloHostStartingWith(gate);

        var run = StopDuringStart.RunAsync(app, CancellationToken.None);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        // Its start may have begun work that only its stop ends (the word vectors' preparation, past the cancelled
        // wait for it): skipped as never started before, that work went on.
        Assert.True(gate.Stopped);
    }

    [Fact]
    public async Task The_stop_deadline_holds_a_stop_that_comes_while_the_first_service_starts()
    {
        var gate = new GatedStart();
        // Long enough that the deadline, once armed, never ends the test's process.
        var builder = SiloHostBuilderStartingWith([gate], "--Cluster:ShutdownTimeout=00:10:00");
        // As the silo and local commands add it: after the silo's own services.
        builder.Services.AddHostedService<SiloStopDeadline>();
        await using var app = SiloHost.Build(builder);

        var run = StopDuringStart.RunAsync(app, CancellationToken.None);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));

        // Armed in its own start, after the silo's (whose join a stop does not cancel), it did not time such a stop.
        Assert.True(app.Services.GetServices<IHostedService>().OfType<SiloStopDeadline>().Single().Armed);
        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_start_that_fails_still_fails_with_its_error()
    {
        var before = new RecordingService();
        var failure = new InvalidOperationException("port 1 is in use");
        await using var app = SiloHostStartingWith(before, new FailingStart(failure));
        using var logs = new RecordingLoggerProvider();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        Assert.Same(failure, await Assert.ThrowsAsync<InvalidOperationException>(() => StopDuringStart.RunAsync(app, CancellationToken.None)));
        Assert.DoesNotContain(logs.Messages, message => message.StartsWith("Stopped during start-up", StringComparison.Ordinal));
        // The host's report of a real failure is shown.
        using var shown = new RecordingLoggerProvider();
        new StopDuringStartLogFilter(shown, app.Services).CreateLogger(RefusedConfigurationLogFilter.HostCategory).LogError(failure, "Hosting failed to start");
        Assert.Single(shown.Messages);
    }

    /// <summary>A silo host, as the <c>silo</c> command builds it, whose first hosted services are <paramref name="first"/>, in order.</summary>
    private static Microsoft.AspNetCore.Builder.WebApplication SiloHostStartingWith(params IHostedService[] first)
        => SiloHost.Build(SiloHostBuilderStartingWith(first));

    private static Microsoft.AspNetCore.Builder.WebApplicationBuilder SiloHostBuilderStartingWith(IHostedService[] first, params string[] arguments)
    {
        var builder = SiloHost.CreateBuilder([.. TestAuth.Arguments, "--Cluster:SiloPort=" + LoopbackPort.Free(), "--Cluster:GatewayPort=" + LoopbackPort.Free(), .. arguments],
            $"http://127.0.0.1:{LoopbackPort.Free()}");
        for (var i = 0; i < first.Length; i++)
        {
            builder.Services.Insert(i, ServiceDescriptor.Singleton(first[i]));
        }
        return builder;
    }

    private sealed class RecordingService : IHostedService
    {
        public bool Stopped { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Stopped = true;
            return Task.CompletedTask;
        }
    }

    /// <summary>A start that waits until it is cancelled, as a model's loading or a silo's join does.</summary>
    private sealed class GatedStart : IHostedService
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public bool Stopped { get; private set; }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _entered.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Stopped = true;
            return Task.CompletedTask;
        }
    }

    private sealed class FailingStart(Exception failure) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromException(failure);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
