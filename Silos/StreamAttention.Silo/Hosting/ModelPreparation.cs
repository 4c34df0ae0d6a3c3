using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Silo.Hosting;

/// <summary>Prepares the default word-vector model before a host starts, so a first run shows a progress bar instead of a silent wait.</summary>
public static class ModelPreparation
{
    public static async Task<string> EnsureAsync(IConfiguration configuration, TextWriter progressWriter, CancellationToken cancellationToken)
    {
        var options = configuration.GetSection(WordVectorOptions.SectionName).Get<WordVectorOptions>() ?? new WordVectorOptions();
        using var bar = new ConsoleProgressBar("preparing glove-6b-100d", progressWriter);
        var path = await new WordVectorModelSetup(NullLogger<WordVectorModelSetup>.Instance).EnsureAsync(options, bar, cancellationToken);
        bar.Complete();
        return path;
    }
}
