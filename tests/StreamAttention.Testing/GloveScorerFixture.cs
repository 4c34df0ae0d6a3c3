using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;
using Xunit;

namespace StreamAttention.Testing;

/// <summary>
/// The product's default message scorer on the real GloVe vectors (prepared in the model cache on first use), and the
/// same scoring uncalibrated (<see cref="RawScorer"/>: the formula's own scores, for tests of the formula).
/// </summary>
public sealed class GloveScorerFixture : IAsyncLifetime
{
    private StaticWordEmbedder? _embedder;
    private TwoStageScorer? _twoStage;
    private TwoStageScorer? _rawTwoStage;

    public MessageScorer Scorer { get; private set; } = null!;

    public MessageScorer RawScorer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new WordVectorOptions();
        _embedder = new StaticWordEmbedder(WordVectors.Load(await new WordVectorModelSetup().EnsureAsync(options)), options);
        _twoStage = new TwoStageScorer(new OnnxSessionFactory(new OnnxRuntimeOptions()), new ScoringOptions());
        Scorer = new MessageScorer(_embedder, _twoStage);
        _rawTwoStage = new TwoStageScorer(new OnnxSessionFactory(new OnnxRuntimeOptions()), new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f });
        RawScorer = new MessageScorer(_embedder, _rawTwoStage);
    }

    public Task DisposeAsync()
    {
        _twoStage?.Dispose();
        _rawTwoStage?.Dispose();
        _embedder?.Dispose();
        return Task.CompletedTask;
    }
}
