using System.CommandLine;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Silo.Commands;

/// <summary><c>streamattention setup</c>: prepares the default model (GloVe 6B 100-d, converted once into the cache) with a progress bar.</summary>
public static class SetupCommand
{
    public static Command Create()
    {
        var command = new Command("setup", "Download and convert the default word-vector model into the cache directory (done automatically on first use).");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = await ModelPreparation.EnsureAsync(StreamAttentionHost.CreateBuilder(parse.UnmatchedTokens).Configuration, Console.Error, cancellationToken);
            Console.Error.WriteLine($"setup: model ready at {path}");
            return 0;
        });
        return command;
    }
}
