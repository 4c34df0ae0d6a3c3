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
        var stderr = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            StreamAttentionHost.ConfigureSourcesAndLogging(builder, []);
            // Disposing the provider writes what its queue holds.
            using (var services = builder.Services.BuildServiceProvider())
            {
                services.GetRequiredService<ILoggerFactory>().CreateLogger("StreamAttention.Ingest.Pipeline.ScoringGatewayClient")
                    .LogWarning("Scoring message {Id} failed for good: {Error}", ForgingId, "boom");
            }
        }
        finally
        {
            Console.SetError(stderr);
        }

        var line = Assert.Single(captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith($"Scoring message {EscapedId} failed for good: boom", line);
    }
}
