using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Scoring.Tests.Cascade;

/// <summary>
/// One MiniLM per process: the distilled tier's interest expansion, the contextual tier and the minilm provider run the
/// container's one transformer embedder (<see cref="MiniLmSentenceModel"/>), loaded only where one of them runs.
/// </summary>
public sealed class MiniLmSentenceModelTests
{
    private static readonly InterestDefinition[] Interests =
    [
        new("replication", "database replication lag and failover", "sre"),
        new("kubernetes", "kubernetes pods crash looping after a deploy", "platform"),
        new("football", "football match results", "fan"),
    ];

    private static readonly MessageText[] Messages =
    [
        new("failed-over", "Primary postgres node failed over; replicas show 40s replication lag"),
        new("paraphrase", "The MySQL primary crashed and the standby took over, replication is behind by two minutes"),
        new("crashloop", "After the 2.3 rollout the api pods keep restarting with CrashLoopBackOff"),
        new("match", "The football team won on Saturday after a late goal from the new striker."),
        new("unrelated", "Remember to water the plants in the office before the long weekend."),
    ];

    [Theory]
    [InlineData("cascade")]
    [InlineData("contextual")]
    public void The_interest_expansion_and_the_contextual_tier_run_one_MiniLM(string tier)
    {
        var constructions = new TransformerEmbedderConstructions();
        using var host = Start([$"--Scoring:Tier={tier}"], constructions);

        Score(host, out _);

        Assert.Equal(1, constructions.Count);
        Assert.Same(host.Services.GetRequiredService<MiniLmSentenceModel>().Embedder, ContextualModel(host));
    }

    [Fact]
    public void The_minilm_provider_is_the_contextual_tiers_model()
    {
        var constructions = new TransformerEmbedderConstructions();
        using var host = Start(["--Embeddings:Provider=minilm", "--Scoring:Tier=cascade"], constructions);

        var scorer = Score(host, out _);

        Assert.Equal(1, constructions.Count);
        Assert.Same(scorer.Embedder, ContextualModel(host));
    }

    [Fact]
    public void MiniLM_is_not_loaded_without_the_interest_expansion_in_the_fast_tier()
    {
        var constructions = new TransformerEmbedderConstructions();
        using var host = Start(["--Scoring:Tier=fast", "--Embeddings:Distilled:InterestExpansion=None"], constructions);

        Score(host, out var matches);

        Assert.NotEmpty(matches);
        Assert.Equal(0, constructions.Count);
    }

    [Fact]
    public void Sharing_MiniLM_changes_no_score_of_a_cascade_run()
    {
        // The reference: the contextual tier on a MiniLM of its own beside the expansion's, as before they shared one.
        MiniLmSentenceModel? own = null;
        var referenceConstructions = new TransformerEmbedderConstructions();
        using var reference = Start(["--Scoring:Tier=cascade"], referenceConstructions, services => services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MiniLmOptions>>().Value;
            var sessions = sp.GetRequiredService<OnnxSessionFactory>();
            own = MiniLmSentenceModel.Create(sp.GetRequiredService<MiniLmModelSetup>().EnsureAsync(options).GetAwaiter().GetResult(), options, sessions, sp.GetService<ILogger<TransformerEmbedder>>());
            return new ContextualTier(new ContextualRescorer(own.Embedder, sessions, sp.GetRequiredService<IOptions<ScoringOptions>>().Value), own.OnCuda);
        })));
        using var shared = Start(["--Scoring:Tier=cascade"], new TransformerEmbedderConstructions());
        try
        {
            var referenceScorer = Score(reference, out var expected);
            Score(shared, out var actual);

            Assert.Equal(2, referenceConstructions.Count);
            Assert.True(referenceScorer.Tiers.Statistics.RescoredPairs > 0);
            Assert.Equal(expected.Select(m => (m.MessageId, m.InterestId)), actual.Select(m => (m.MessageId, m.InterestId)));
            foreach (var (e, a) in expected.Zip(actual))
            {
                Assert.Equal(e.Score, a.Score, 5);
                Assert.Equal(e.RawScore!.Value, a.RawScore!.Value, 5);
            }
        }
        finally
        {
            own?.Dispose();
        }
    }

    /// <summary>A host without the cascade's load budget: what it rescores would depend on the machine's speed, and scores are compared across hosts.</summary>
    private static IHost Start(string[] arguments, TransformerEmbedderConstructions constructions, Action<IServiceCollection>? configure = null)
    {
        var builder = StreamAttentionHost.CreateBuilder(["--Scoring:CascadeMaxModelTimeShare=0", .. arguments]);
        builder.Logging.AddProvider(constructions).AddFilter<TransformerEmbedderConstructions>(typeof(TransformerEmbedder).FullName, LogLevel.Information);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        host.Start();
        return host;
    }

    private static ITextEmbedder ContextualModel(IHost host) => host.Services.GetRequiredService<ContextualTier>().Rescorer!.Embedder;

    /// <summary>Builds the interests' index (the expansion runs here) and scores every pair above 0 (the contextual tier runs here).</summary>
    private static MessageScorer Score(IHost host, out List<MessageMatch> matches)
    {
        var scorer = host.Services.GetRequiredService<MessageScorer>();
        matches = scorer.Score(Messages, scorer.BuildIndex(Interests), minScoreOverride: 0);
        return scorer;
    }

    /// <summary>Counts transformer embedders constructed: each logs its model once, from its constructor.</summary>
    private sealed class TransformerEmbedderConstructions : ILoggerProvider
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName == typeof(TransformerEmbedder).FullName);

        public void Dispose()
        {
        }

        private sealed class Logger(TransformerEmbedderConstructions owner, bool counts) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => counts;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (counts)
                {
                    Interlocked.Increment(ref owner._count);
                }
            }
        }
    }
}
