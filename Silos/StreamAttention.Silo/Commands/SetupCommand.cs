using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Embeddings.StaticVectors;
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
            var configuration = StreamAttentionHost.CreateBuilder(parse.UnmatchedTokens).Configuration;
            var options = configuration.GetSection(WordVectorOptions.SectionName).Get<WordVectorOptions>() ?? new WordVectorOptions();
            using var bar = new ConsoleProgressBar("preparing glove-6b-100d", Console.Error);
            var path = await new WordVectorModelSetup(NullLogger<WordVectorModelSetup>.Instance).EnsureAsync(options, bar, cancellationToken);
            bar.Complete();
            Console.Error.WriteLine($"setup: model ready at {path}");
            return 0;
        });
        return command;
    }
}
