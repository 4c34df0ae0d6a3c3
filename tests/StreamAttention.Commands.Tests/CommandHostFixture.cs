using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The message scorer exactly as the commands get it: the product host with its default configuration (GloVe vectors,
/// prepared in the model cache on first use). Built once because loading the vectors dominates a command's cost.
/// </summary>
public sealed class CommandHostFixture : IDisposable
{
    private readonly IHost _host = StreamAttentionHost.Build([]);

    public MessageScorer Scorer => _host.Services.GetRequiredService<MessageScorer>();

    public void Dispose() => _host.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CommandHostCollection : ICollectionFixture<CommandHostFixture>
{
    public const string Name = "command host";
}
