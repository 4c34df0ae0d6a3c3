using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>Writes to the process's stderr (<see cref="Console.SetError"/>): alone, so no other test's lines end up in its capture.</summary>
[CollectionDefinition(nameof(ControlCharacterEscapingLogProviderTests), DisableParallelization = true)]
[Collection(nameof(ControlCharacterEscapingLogProviderTests))]
public sealed class ControlCharacterEscapingLogProviderTests
{
    /// <summary>A Kafka message id of the producer's choosing: a carriage return and a line that looks like the silo's own, a terminal's clear-screen sequence, a Unicode line separator.</summary>
    private const string ForgingId = "m1\r09:00:00 info: all good\u001b[2J\u2028";

    private const string EscapedId = @"m1\r09:00:00 info: all good\u001B[2J\u2028";

    [Fact]
    public void A_logged_values_control_characters_are_escaped_so_it_cannot_forge_a_line_and_other_text_passes()
    {
        var inner = new RecordingLoggerProvider();
        using var provider = new ControlCharacterEscapingLogProvider(inner);
        var logger = provider.CreateLogger("StreamAttention.Ingest.Pipeline.ScoringGatewayClient");

        logger.LogWarning("Scoring message {Id} failed for good: {Error}", ForgingId, "boom");
        logger.LogWarning("Several problems:\n\tone, é ✓");

        Assert.Equal([$"Scoring message {EscapedId} failed for good: boom", "Several problems:\n\tone, é ✓"], inner.Messages);
    }

    [Fact]
    public void The_commands_console_log_escapes_them()
    {
        var line = Assert.Single(LogToConsole([], logger => logger.LogWarning("Scoring message {Id} failed for good: {Error}", ForgingId, "boom")));
        Assert.EndsWith($"Scoring message {EscapedId} failed for good: boom", line);
    }

    /// <summary>
    /// An exception whose message quotes a caller's value, and a scope holding one (a request's path, written when
    /// scopes are on), in the console's format (the host sets the simple one, whatever Logging:Console:FormatterName
    /// says): one line, without a control character.
    /// </summary>
    [Fact]
    public void The_console_log_escapes_an_exceptions_text_and_the_scopes()
    {
        var lines = LogToConsole(
            ["--Logging:Console:FormatterOptions:IncludeScopes=true", "--Logging:Console:FormatterOptions:ColorBehavior=Disabled"],
            logger =>
            {
                using var scope = logger.BeginScope("Request {Path}", "/users/u1\n09:00:00 info: scope forged\u2028");
                logger.LogWarning(new FormatException($"'{ForgingId}' is not an id\u2029"), "Scoring failed");
            });

        var line = Assert.Single(lines);
        Assert.DoesNotContain(line, character => char.IsControl(character) || character is '\u2028' or '\u2029');
        Assert.Contains("Scoring failed", line);
        Assert.Contains("m1", line);
        Assert.Contains("scope forged", line);
    }

    /// <summary>
    /// <c>Logging:Console:LogLevel</c> (Silos/README.md "Configuration") sets the console's levels by its provider's
    /// alias, which the console keeps under the host's wrappers.
    /// </summary>
    [Fact]
    public void The_console_log_level_filters_the_console_lines()
    {
        var lines = LogToConsole(["--Logging:Console:LogLevel:Default=Error", "--Logging:Console:FormatterOptions:ColorBehavior=Disabled"], logger =>
        {
            logger.LogWarning("Scoring call failed, retrying");
            logger.LogError("Scoring failed for good");
        });

        Assert.EndsWith("Scoring failed for good", Assert.Single(lines));
    }

    /// <summary>The lines <paramref name="log"/> writes to the commands' console log, configured by <paramref name="configurationArgs"/>, split at every line break a terminal or a log reader honours.</summary>
    internal static string[] LogToConsole(string[] configurationArgs, Action<ILogger> log)
    {
        var stderr = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            StreamAttentionHost.ConfigureSourcesAndLogging(builder, configurationArgs);
            // Disposing the provider writes what its queue holds.
            using (var services = builder.Services.BuildServiceProvider())
            {
                log(services.GetRequiredService<ILoggerFactory>().CreateLogger("StreamAttention.Ingest.Pipeline.ScoringGatewayClient"));
            }
        }
        finally
        {
            Console.SetError(stderr);
        }
        return captured.ToString().Split(['\n', '\r', '\u2028', '\u2029'], StringSplitOptions.RemoveEmptyEntries);
    }
}
