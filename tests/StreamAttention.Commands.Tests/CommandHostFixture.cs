using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The message scorer as the commands get it: the product host with its default configuration (GloVe vectors,
/// prepared in the model cache on first use) but raw scores at the raw threshold 0.7. Built once because loading the
/// vectors dominates a command's cost; a command is one process, but here one scorer serves many runs, and a
/// calibrated scorer's background would carry from one run into the next (calibration has its own tests in Scoring.Tests).
/// </summary>
public sealed class CommandHostFixture : IDisposable
{
    private readonly IHost _host = StreamAttentionHost.Build(TestCluster.RawScoringArguments);

    public MessageScorer Scorer => _host.Services.GetRequiredService<MessageScorer>();

    public void Dispose() => _host.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CommandHostCollection : ICollectionFixture<CommandHostFixture>
{
    public const string Name = "command host";
}
