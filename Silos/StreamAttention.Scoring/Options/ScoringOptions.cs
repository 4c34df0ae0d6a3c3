using System.ComponentModel.DataAnnotations;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Graphs;

namespace StreamAttention.Scoring.Options;

/// <summary>
/// How messages are scored against interests (section "Scoring").
/// raw score = AttentionWeight · attention score + (1 − AttentionWeight) · prefilter score, both cosines in [-1, 1];
/// the final score is the raw score calibrated per interest (<see cref="Calibration"/>), or the raw score itself.
/// The defaults are the best of a sweep on the labelled evaluation set (tests/data/eval, docs/benchmarks.md).
/// </summary>
public sealed class ScoringOptions : IValidatableObject
{
    public const string SectionName = "Scoring";

    /// <summary>
    /// Minimum final score of an interest that sets no threshold of its own: a calibrated score with
    /// <see cref="ScoreCalibration.Background"/>, a raw score (0.7 was the default) with <see cref="ScoreCalibration.None"/>.
    /// Above 0, as an interest's own: a text without a known word scores 0 raw and just above 0 calibrated, so 0 or less
    /// would match every message.
    /// </summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public float DefaultThreshold { get; set; } = 0.5f;

    /// <summary>Whether scores and thresholds are calibrated per interest against the stream's background (default) or raw.</summary>
    [EnumDataType(typeof(ScoreCalibration), ErrorMessage = "The field Calibration must be Background or None.")]
    public ScoreCalibration Calibration { get; set; } = ScoreCalibration.Background;

    /// <summary>Which of <see cref="CalibrationModels"/> applies: the embedding provider (set by the host from <c>Embeddings:Provider</c>), or a tier.</summary>
    [Required]
    public string CalibrationKey { get; set; } = "glove";

    /// <summary>The calibration model of each provider or tier (defaults fitted on the dev split; <see cref="CalibrationModel.Defaults"/>).</summary>
    public Dictionary<string, CalibrationModel> CalibrationModels { get; set; } = CalibrationModel.Defaults();

    /// <summary>Messages kept in the silo's background sample (reservoir) that interests' statistics are measured on.</summary>
    [Range(8, 65_536)]
    public int BackgroundMessages { get; set; } = 256;

    /// <summary>Background messages needed before interests are measured; until then they use the model's prior.</summary>
    [Range(1, 65_536)]
    public int MinBackgroundMessages { get; set; } = 64;

    /// <summary>Messages seen after which every interest's statistics are stale and measured again.</summary>
    [Range(1, int.MaxValue)]
    public int CalibrationRefreshMessages { get; set; } = 65_536;

    /// <summary>
    /// Interests measured against the background per scoring run at most, new ones first: bounds a run's extra work
    /// (each costs one all-pairs score against every background message). The others use the prior or their older
    /// statistics meanwhile.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int CalibrationMeasuresPerRun { get; set; } = 1024;

    /// <summary>
    /// Stale interests measured again per message scored, on average: each message earns this credit (kept up to
    /// <see cref="CalibrationMeasuresPerRun"/>), and a run measures a run's worth of stale interests (that many, or all
    /// that are left) once the credit pays for them, in turn through the index. Bounds a refresh's CPU per message
    /// whatever the stream's rate; N interests take at least N / this messages to refresh. New interests are not held by it.
    /// </summary>
    [Range(0.001, 1_000_000.0)]
    public double CalibrationRefreshesPerMessage { get; set; } = 2;

    /// <summary>Share of the cross-attention score in the final score; the rest is the pooled (prefilter) cosine.</summary>
    [Range(0.0, 0.99)]
    public float AttentionWeight { get; set; } = 0.6f;

    /// <summary>
    /// Inverse temperature of the attention softmax over cosines (unit vectors, so √d does not apply). At most
    /// <see cref="SharedWordAttentionGraph.MaxScale"/>: the shared-words graph's softmax has no per-pair maximum.
    /// </summary>
    [Range(0.1, SharedWordAttentionGraph.MaxScale)]
    public float AttentionScale { get; set; } = 5f;

    /// <summary>What attends over a message's tokens: each of the interest's words (default) or its pooled vector.</summary>
    [EnumDataType(typeof(InterestQueryMode), ErrorMessage = "The field Queries must be Words or Pooled.")]
    public InterestQueryMode Queries { get; set; } = InterestQueryMode.Words;

    /// <summary>Query vectors kept per interest in <see cref="InterestQueryMode.Words"/> mode (its first words).</summary>
    [Range(1, 64)]
    public int MaxQueriesPerInterest { get; set; } = 16;

    /// <summary>
    /// Exponent of a token's frequency weight in the attention prior: logits += TokenWeightExponent · ln(weight).
    /// 0 ignores word frequency, 1 weighs rare words by their embedder weight.
    /// </summary>
    [Range(0.0, 10.0)]
    public float TokenWeightExponent { get; set; } = 1f;

    /// <summary>
    /// Candidates per message passed to cross-attention, best prefilter scores first; 0 keeps every candidate.
    /// Candidates below the lossless bound (see <see cref="TwoStageScorer"/>) are dropped either way.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PrefilterTopK { get; set; }

    /// <summary>Messages per prefilter run; bounds the [messages × interests] similarity buffer.</summary>
    [Range(1, 65_536)]
    public int MessageChunkSize { get; set; } = 256;

    /// <summary>
    /// Chunks of at most this many messages go through the exhaustive prefilter as an int8 screen of the interests'
    /// pooled vectors (<c>QuantizedScreen</c>: exact, the same candidates; ~132 bytes more per distinct interest at
    /// d = 128) instead of the float GEMM, which with a few messages streams 4× the bytes; 0 = always the GEMM. 4 by
    /// measurement: at 8 and more messages the GEMM is faster (docs/benchmarks.md, "Scale: int8 prefilter").
    /// </summary>
    [Range(0, 65_536)]
    public int QuantizedPrefilterMaxMessages { get; set; } = 4;

    /// <summary>
    /// Candidate interests per row of a cross-attention run; a message with more candidates takes several rows.
    /// Rows are padded to the widest in their run, so narrow rows keep padding low.
    /// </summary>
    [Range(1, 4096)]
    public int CandidateSlotsPerRow { get; set; } = 64;

    /// <summary>Message × candidate slots per cross-attention run; bounds the attention buffer.</summary>
    [Range(1, 16_777_216)]
    public int MaxPairsPerRun { get; set; } = 32_768;

    /// <summary>How candidate pairs are found and attended: shared per distinct interest word (default) or per pair.</summary>
    [EnumDataType(typeof(ScoringEngine), ErrorMessage = "The field Engine must be SharedWords or PerPair.")]
    public ScoringEngine Engine { get; set; } = ScoringEngine.SharedWords;

    /// <summary>
    /// Clusters of interests (by pooled vector) for candidate generation in the <see cref="ScoringEngine.SharedWords"/>
    /// engine: a message skips a cluster whose bound on the pooled cosine cannot reach the floor of any member.
    /// −1 = no clusters (every interest goes through the prefilter GEMM), 0 = √(interests).
    /// Off by default: on messages and interests of one domain the bound keeps nearly every cluster (docs/benchmarks.md).
    /// </summary>
    [Range(-1, 1_000_000)]
    public int CandidateClusters { get; set; } = -1;

    /// <summary>
    /// Clusters probed per message, best centroid cosine first, among those the bound keeps; 0 = all of them (exact).
    /// A positive value is approximate: a match in an unprobed cluster is lost.
    /// </summary>
    [Range(0, 1_000_000)]
    public int ClusterProbes { get; set; }

    /// <summary>Message token slots × distinct words per shared-word attention run; bounds its intermediate tensors.</summary>
    [Range(1, 268_435_456)]
    public int MaxWordSlotsPerRun { get; set; } = 2_097_152;

    /// <summary>
    /// Weight λ of term evidence (a normalised BM25 of the interest's words in the raw message, in [0, 1), with
    /// document frequencies from the stream) added to the final score: s = w·A + (1 − w)·p + λ·L. 0 turns it off.
    /// </summary>
    [Range(0.0, 1.0)]
    public float LexicalWeight { get; set; }

    /// <summary>Messages after which a message's share of the term evidence's document frequencies has halved.</summary>
    [Range(1, 100_000_000)]
    public int LexicalHalfLife { get; set; } = 100_000;

    /// <summary>Message tokens with the highest attention reported per match.</summary>
    [Range(0, 64)]
    public int HighlightCount { get; set; } = 3;

    /// <summary>Fast (the configured embedder), cascade (fast, then MiniLM near the threshold) or contextual (MiniLM for every pair).</summary>
    [EnumDataType(typeof(ScoringTier), ErrorMessage = "The field Tier must be Fast, Cascade or Contextual.")]
    public ScoringTier Tier { get; set; } = ScoringTier.Fast;

    /// <summary>Cascade: pairs whose fast score is at least threshold − CascadeMargin are scored again contextually (chosen on the dev split, on calibrated scores).</summary>
    [Range(0.0, 2.0)]
    public float CascadeMargin { get; set; } = 0.35f;

    /// <summary>
    /// Cascade: in a message that goes through the contextual model (some pair within <see cref="CascadeMargin"/>), the
    /// pairs whose fast score is at least threshold − CascadePairMargin are rescored too: they cost cross-attention on
    /// vectors the model computed anyway, no further model run (chosen on both sets' dev halves). At least CascadeMargin.
    /// </summary>
    [Range(0.0, 2.0)]
    public float CascadePairMargin { get; set; } = 0.45f;

    /// <summary>
    /// Cascade: at most this many pairs of a message (of each window of a long one) are rescored, those nearest their
    /// thresholds; the rest keep their fast scores. With many interests a message has thousands of pairs within
    /// <see cref="CascadePairMargin"/>, and each interest whose contextual vectors are not cached
    /// (<see cref="ContextualInterestCacheSize"/>) costs a model run: this bounds one message's cost. The shared-words
    /// engine then returns of the cascade's wider pass only the pairs the cap can choose from
    /// (<see cref="NearestBelowThresholds"/>). 0: no cap.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int CascadeMaxPairsPerMessage { get; set; } = 64;

    /// <summary>
    /// Cascade, where the contextual model runs on CUDA: an index of at most this many interests has every pair
    /// rescored (the contextual tier's quality at a GPU's cost per message); a larger one has the pairs near their
    /// thresholds chosen as on CPU (<see cref="CascadeMargin"/>, <see cref="CascadePairMargin"/>,
    /// <see cref="CascadeMaxPairsPerMessage"/>). Every pair costs each interest's contextual queries against each
    /// message (no words shared between interests): on one H200, 73 interests ran at ~1,500 messages/s and 100,000
    /// interests stalled. 0: never every pair.
    /// </summary>
    [Range(0, 10_000_000)]
    public int CascadeEveryPairMaxInterests { get; set; } = 1_000;

    /// <summary>
    /// Cascade: at most this share of a run's messages go through the contextual model, those with the most pairs
    /// nearest their thresholds (<see cref="Cascade.CascadeBudget"/>); the others keep their fast scores. 1: every
    /// message with a pair within <see cref="CascadeMargin"/>. Not applied where the contextual model runs on CUDA and
    /// the cascade rescores every pair (<see cref="CascadeEveryPairMaxInterests"/>) nor in the contextual tier.
    /// </summary>
    [Range(0.0, 1.0)]
    public double CascadeMaxMessageShare { get; set; } = 1.0;

    /// <summary>
    /// Cascade, under load: the contextual model's runs may take on average at most this share of wall time (their
    /// durations summed, per scorer: per silo); past it, the messages least likely to change a decision keep their
    /// fast scores, as with <see cref="CascadeMaxMessageShare"/>, instead of the stream falling behind. The budget fills
    /// at this share of elapsed time up to <see cref="CascadeModelTimeWindow"/>'s worth, so a stream the model keeps up
    /// with, and a burst shorter than the window, are rescored in full (<see cref="Cascade.ModelTimeBudget"/>). 0: no
    /// limit. Not applied where the cascade rescores every pair on CUDA (<see cref="CascadeEveryPairMaxInterests"/>) nor in the contextual tier; the offline commands
    /// (<c>eval</c>, <c>score</c>) run without it unless given.
    /// </summary>
    [Range(0.0, 64.0)]
    public double CascadeMaxModelTimeShare { get; set; } = 0.5;

    /// <summary>How long a burst the load budget (<see cref="CascadeMaxModelTimeShare"/>) absorbs in full after a quiet stretch.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan CascadeModelTimeWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Uncalibrated contextual score on the fast tier's raw scale (calibration off): ContextualScoreScale · s +
    /// ContextualScoreOffset, so one threshold means the same in every tier (fitted on the dev split for MiniLM against GloVe, <see cref="Cascade.ContextualScoreMap"/>).
    /// </summary>
    [Range(0.01, 100.0)]
    public float ContextualScoreScale { get; set; } = 0.95f;

    /// <summary>See <see cref="ContextualScoreScale"/>.</summary>
    [Range(-10.0, 10.0)]
    public float ContextualScoreOffset { get; set; } = 0.36f;

    /// <summary>Interest texts whose contextual queries are kept ready (~1.5 KB per word piece plus 1.5 KB per interest at d = 384).</summary>
    [Range(1, 10_000_000)]
    public int ContextualInterestCacheSize { get; set; } = 10_000;

    /// <summary>
    /// Interest texts whose contextual vectors are kept in half precision behind the ready ones
    /// (<see cref="ContextualInterestCacheSize"/>), ~0.75 KB per word piece plus 0.75 KB per interest at d = 384: a text
    /// dropped from the ready ones comes back without a model run (<see cref="Cascade.ContextualInterestStore"/>). 0: none.
    /// </summary>
    [Range(0, 10_000_000)]
    public int ContextualInterestStoreSize { get; set; } = 100_000;

    /// <summary>
    /// Windows a long message is scored in, each of the embedder's MaxTokens tokens; per interest its best window
    /// counts. Tokens beyond them are not scored and the match says so (Truncated). Each window costs what a message
    /// does and counts as one in every batch limit, so this bounds what one message may cost. 1 = only the first
    /// MaxTokens tokens. 8 windows of 64 tokens at half overlap cover 288 known words, some 500 words of prose. The
    /// contextual tiers cut the same layout from MiniLM's word pieces (8 × 128 at half overlap: 576 pieces).
    /// </summary>
    [Range(1, 64)]
    public int MaxWindows { get; set; } = 8;

    /// <summary>Share of a window that the next one repeats, so a sentence across a window's edge lies whole in a neighbour.</summary>
    [Range(0.0, 0.9)]
    public double WindowOverlap { get; set; } = 0.5;

    /// <summary>The window layout of these options for windows of <paramref name="tokensPerWindow"/> tokens.</summary>
    public WindowLayout Windows(int tokensPerWindow) => WindowLayout.Of(tokensPerWindow, WindowOverlap, MaxWindows);

    /// <summary>A shallow copy, changed by <paramref name="change"/>.</summary>
    public ScoringOptions With(Action<ScoringOptions> change)
    {
        var copy = (ScoringOptions)MemberwiseClone();
        change(copy);
        return copy;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Calibration == ScoreCalibration.Background && !CalibrationModels.ContainsKey(CalibrationKey))
        {
            yield return new ValidationResult($"Scoring:CalibrationModels has no model '{CalibrationKey}' (Scoring:CalibrationKey).", [nameof(CalibrationKey)]);
        }
        if (Calibration == ScoreCalibration.Background && Tier != ScoringTier.Fast && !CalibrationModels.ContainsKey(Cascade.ContextualRescorer.CalibrationKey))
        {
            yield return new ValidationResult($"Scoring:CalibrationModels has no model '{Cascade.ContextualRescorer.CalibrationKey}' for the {Tier} tier's contextual scores.", [nameof(CalibrationModels)]);
        }
        if (CascadePairMargin < CascadeMargin)
        {
            yield return new ValidationResult("Scoring:CascadePairMargin must be at least Scoring:CascadeMargin.", [nameof(CascadePairMargin)]);
        }
        if (MinBackgroundMessages > BackgroundMessages)
        {
            yield return new ValidationResult("Scoring:MinBackgroundMessages must not exceed Scoring:BackgroundMessages.", [nameof(MinBackgroundMessages)]);
        }
        foreach (var (key, model) in CalibrationModels)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(model, new ValidationContext(model), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"Scoring:CalibrationModels:{key}: {result.ErrorMessage}", [nameof(CalibrationModels)]);
                }
            }
            if (model.A <= 0 && model.B <= 0)
            {
                // Neither weight positive: the map is flat in the raw score, and no threshold converts to a raw one.
                yield return new ValidationResult($"Scoring:CalibrationModels:{key}: A or B must be positive.", [nameof(CalibrationModels)]);
            }
        }
    }
}

/// <summary>How final scores are reported and thresholds read.</summary>
public enum ScoreCalibration
{
    /// <summary>Raw scores and raw thresholds (the cross-attention formula's value).</summary>
    None,

    /// <summary>Per interest, the raw score mapped to [0, 1] against its statistics on the stream's background (<see cref="Calibration.InterestCalibration"/>).</summary>
    Background,
}

/// <summary>The query vectors of an interest in cross-attention.</summary>
public enum InterestQueryMode
{
    /// <summary>One query: the interest's pooled vector.</summary>
    Pooled,

    /// <summary>One query per interest word, each attending on its own; scores averaged by word weight.</summary>
    Words,
}
