using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Hosting;

namespace StreamAttention.Benchmarks;

/// <summary>
/// The embedder of one provider as the silo registers it, with default options, prepared into the model cache on first
/// use: "glove" (<see cref="GloveModel"/>), "distilled" or "minilm" (their hosting extensions).
/// </summary>
internal sealed class BenchmarkEmbedder : IDisposable
{
    private readonly ServiceProvider? _services;

    private BenchmarkEmbedder(ITextEmbedder embedder, ServiceProvider? services)
    {
        Embedder = embedder;
        _services = services;
    }

    public ITextEmbedder Embedder { get; }

    public static async Task<BenchmarkEmbedder> LoadAsync(string provider)
    {
        if (provider == "glove")
        {
            return new BenchmarkEmbedder((await GloveModel.LoadAsync()).Embedder, null);
        }
        var services = new ServiceCollection();
        // The extensions bind their options' sections; empty configuration keeps the defaults.
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        _ = provider switch
        {
            "distilled" => services.AddDistilledEmbeddings().Services,
            "minilm" => services.AddMiniLmEmbeddings().Services,
            _ => throw new ArgumentException($"--provider must be glove, distilled or minilm, not '{provider}'.", nameof(provider)),
        };
        var built = services.BuildServiceProvider();
        return new BenchmarkEmbedder(built.GetRequiredService<ITextEmbedder>(), built);
    }

    public void Dispose()
    {
        if (_services is null)
        {
            Embedder.Dispose();
        }
        else
        {
            // Owns the embedder it built.
            _services.Dispose();
        }
    }
}
