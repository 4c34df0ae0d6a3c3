using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Scoring;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The matcher exactly as the commands get it: the product host with its default configuration (GloVe vectors,
/// prepared in the model cache on first use). Built once because loading the vectors dominates a command's cost.
/// </summary>
public sealed class CommandHostFixture : IDisposable
{
    private readonly IHost _host = StreamAttentionHost.Build([]);

    public MessageMatcher Matcher => _host.Services.GetRequiredService<MessageMatcher>();

    public void Dispose() => _host.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CommandHostCollection : ICollectionFixture<CommandHostFixture>
{
    public const string Name = "command host";
}
