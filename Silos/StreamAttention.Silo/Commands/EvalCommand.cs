using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Evaluation;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;
using StreamAttention.Silo.IO;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention eval</c>: relevance quality on a labelled set (all of it, or its dev or test split) — MAP and P/R/F1
/// at the default thresholds and at the best single global threshold, with messages/s, of one or several embedding
/// providers' scoring next to BM25 and pooled-cosine baselines, the per-interest calibration, and optionally interests
/// with calibrated thresholds.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var set = new Option<DirectoryInfo[]>("--set")
        {
            Description = "a labelled set's directory (e.g. tests/data/wordnet): its interests.jsonl, messages.jsonl and labels.jsonl; repeated: each set in turn, and --fit-calibration fits on all of them",
        };
        var interests = new Option<FileInfo?>("--interests") { Description = "interests.jsonl (ids unique); default: the --set's" };
        var messages = new Option<FileInfo?>("--messages") { Description = "messages.jsonl (ids unique); default: the --set's" };
        var labels = new Option<FileInfo?>("--labels") { Description = "labels.jsonl: {\"id\": messageId, \"relevant\": [interestId, ...]} per line; default: the --set's" };
        var calibrated = new Option<FileInfo?>("--calibrated-out") { Description = "write the interests with F1-optimal thresholds of the (first) configured scoring to this file" };
        var providers = new Option<string?>("--providers") { Description = "embedding providers to compare in one run, e.g. glove,distilled,minilm (default: the configured Embeddings:Provider)" };
        var tiers = new Option<string?>("--tiers") { Description = "scoring tiers to compare in one run, each with every provider: fast,cascade,contextual (default: the configured Scoring:Tier)" };
        var split = new Option<string>("--split") { Description = "the messages evaluated: dev (for tuning), test (for reporting) or all", DefaultValueFactory = _ => EvaluationSplit.All };
        split.AcceptOnlyFromAmong(EvaluationSplit.Dev, EvaluationSplit.Test, EvaluationSplit.All);
        var splitFile = new Option<FileInfo?>("--split-file") { Description = $"{{\"id\": messageId, \"split\": \"dev\"|\"test\"}} per line (default: {EvaluationSplit.FileName} beside the labels)" };
        var fit = new Option<bool>("--fit-calibration") { Description = "also fit each provider's score calibration model (Scoring:CalibrationModels) on these messages (of every --set) and print it; run on --split dev" };
        var command = new Command("eval", "Measure relevance quality against labels, side by side with BM25 and pooled-cosine baselines.")
        {
            set, interests, messages, labels, calibrated, providers, tiers, split, splitFile, fit,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.Validators.Add(result =>
        {
            var sets = result.GetValue(set) ?? [];
            if (sets.Length == 0 && (result.GetValue(interests) is null || result.GetValue(messages) is null || result.GetValue(labels) is null))
            {
                result.AddError("eval needs --set DIR, or --interests, --messages and --labels.");
            }
            if (sets.Length > 1 && (result.GetValue(interests) is not null || result.GetValue(messages) is not null || result.GetValue(labels) is not null || result.GetValue(splitFile) is not null || result.GetValue(calibrated) is not null))
            {
                result.AddError("eval with several --set takes each set's own files: no --interests, --messages, --labels, --split-file or --calibrated-out.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var names = parse.GetValue(providers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            var tierNames = parse.GetValue(tiers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            var fitData = parse.GetValue(fit) ? new CalibrationData() : null;
            var sets = parse.GetValue(set) is { Length: > 0 } given ? given.Select(d => (DirectoryInfo?)d).ToArray() : [null];
            var inputs = sets.Select(directory =>
            {
                FileInfo InSet(Option<FileInfo?> option, string name) => parse.GetValue(option) ?? new FileInfo(Path.Combine(directory!.FullName, name));
                var labelsFile = InSet(labels, "labels.jsonl");
                return new EvalInputs(directory, InSet(interests, "interests.jsonl"), InSet(messages, "messages.jsonl"), labelsFile, new MessageSelection(parse.GetValue(split)!,
                    parse.GetValue(splitFile) ?? new FileInfo(Path.Combine(labelsFile.DirectoryName ?? ".", EvaluationSplit.FileName))));
            }).ToList();
            // Every set's files before any model is prepared or loaded: a mistyped path fails at once, not after the first set.
            if (!inputs.All(input => CommandFiles.Check("eval", input.Files, parse.GetValue(calibrated), Console.Error)))
            {
                return 2;
            }
            foreach (var input in inputs)
            {
                // Scorers of their own per set: a set's background and term statistics are not another's.
                var hosts = new List<(string Name, IHost Host)>();
                try
                {
                    foreach (var name in names.DefaultIfEmpty(""))
                    {
                        foreach (var tier in tierNames.DefaultIfEmpty(""))
                        {
                            string[] arguments =
                            [
                                .. parse.UnmatchedTokens,
                                .. name == "" ? Array.Empty<string>() : [$"--Embeddings:Provider={name}"],
                                .. tier == "" ? Array.Empty<string>() : [$"--Scoring:Tier={tier}"],
                            ];
                            if (await ModelPreparation.EnsureUnlessStoppedAsync("eval", StreamAttentionHost.CreateBuilder(arguments).Configuration, cancellationToken) is { } stopped)
                            {
                                return stopped;
                            }
                            hosts.Add((string.Join('/', new[] { name, tier }.Where(n => n != "")), StreamAttentionHost.BuildOffline(arguments)));
                        }
                    }
                    var scorers = hosts.Select(h => new ProviderScorer(h.Name, h.Host.Services.GetRequiredService<MessageScorer>())).ToList();
                    if (inputs.Count > 1)
                    {
                        Console.Out.WriteLine($"set {input.Set!.FullName}");
                    }
                    var exitCode = Run(scorers, input.Interests, input.Messages, input.Labels, input.Selection, parse.GetValue(calibrated), Console.Out, Console.Error, fitData,
                        InterestLimits.Of(hosts[0].Host.Services.GetRequiredService<IConfiguration>()));
                    if (exitCode != 0)
                    {
                        return exitCode;
                    }
                }
                finally
                {
                    foreach (var (_, host) in hosts)
                    {
                        host.Dispose();
                    }
                }
            }
            if (fitData is not null)
            {
                WriteFits(fitData, Console.Out);
            }
            return 0;
        });
        return command;
    }

    /// <summary>The configured scoring alone, on every message, from files the caller has checked (<see cref="EvalInputs"/>).</summary>
    public static int Run(MessageScorer scorer, FileInfo interestsFile, FileInfo messagesFile, FileInfo labelsFile, FileInfo? calibratedFile, TextWriter output, TextWriter log) =>
        Run([new ProviderScorer("", scorer)], interestsFile, messagesFile, labelsFile, MessageSelection.Every, calibratedFile, output, log);

    /// <summary>
    /// Every provider's scoring on the selected messages, with BM25 on the same messages, in one table; the calibration
    /// table (and <paramref name="calibratedFile"/>) comes from the first provider. The files are the caller's to check.
    /// </summary>
    /// <param name="cancellationToken">
    /// A stop while <paramref name="calibratedFile"/> is written, as Ctrl+C or SIGTERM are then: the file is left as it
    /// was, one line says so, and the signal's exit code is returned (else <see cref="OperationCanceledException"/>).
    /// </param>
    public static int Run(IReadOnlyList<ProviderScorer> scorers, FileInfo interestsFile, FileInfo messagesFile, FileInfo labelsFile, MessageSelection selection,
        FileInfo? calibratedFile, TextWriter output, TextWriter log, CalibrationData? fitData = null, InterestLimitsOptions? limits = null,
        CancellationToken cancellationToken = default)
    {
        var interests = ScoringFiles.ReadUniqueInterests(ScoringFiles.Interests(interestsFile.FullName, log, limits), log, out _);
        var allMessages = ScoringFiles.Messages(messagesFile.FullName, log).Read().ToList();
        var results = new List<MethodEvaluation>();
        List<MessageText> messages;
        try
        {
            var labels = RelevanceLabels.Load(labelsFile.FullName);
            var split = selection.Split == EvaluationSplit.All ? null : EvaluationSplit.Load(selection.SplitFile!.FullName);
            messages = split is null ? allMessages : allMessages.Where(m => split.Contains(selection.Split, m.Id)).ToList();
            foreach (var (name, scorer) in scorers)
            {
                var methods = RelevanceEvaluation.EmbeddingMethods(scorer, interests, messages, labels, scorers.Count > 1 ? $"{name}: " : "");
                // The prefilter score of a tier that rescores is a mix of two models' pooled cosines: no baseline.
                results.AddRange(scorer.Tiers.Tier == ScoringTier.Fast ? methods : methods.Take(1));
                fitData?.Add(name == "" ? scorer.Options.CalibrationKey : name, RelevanceEvaluation.RawScores(scorer, interests, messages, labels));
            }
            results.Add(RelevanceEvaluation.Bm25(interests, messages, labels, WordTokenizer.English.Tokenize));
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException)
        {
            log.WriteLine($"eval: {e.Message}");
            return 2;
        }
        var options = scorers[0].Scorer.Options;
        output.WriteLine($"split {selection.Split}: {messages.Count} of {allMessages.Count} messages");
        output.WriteLine($"embedder {string.Join(", ", scorers.Select(s => s.Name == "" ? ModelsOf(s.Scorer) : $"{s.Name} = {ModelsOf(s.Scorer)}"))}; " +
            $"attention weight {options.AttentionWeight}, scale {options.AttentionScale}, token weight exponent {options.TokenWeightExponent}, lexical weight {options.LexicalWeight}, default threshold {options.DefaultThreshold} (calibration {options.Calibration})");
        output.Write(EvaluationReport.FormatComparison(results));
        foreach (var (name, scorer) in scorers.Where(s => s.Scorer.Tiers.Tier != ScoringTier.Fast))
        {
            var rescored = scorer.Tiers.Statistics;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(name == "" ? scorer.Tiers.Tier.ToString().ToLowerInvariant() : name)}: rescored contextually {rescored.RescoredPairs} of {rescored.Pairs} pairs ({rescored.RescoredPairShare:P1}), " +
                $"{rescored.RescoredMessages} of {rescored.Messages} messages ({rescored.RescoredMessageShare:P1}), {rescored.OverBudgetMessages} more near a threshold " +
                $"kept fast scores (budget {scorer.Options.CascadeMaxMessageShare:P0} of messages, {LoadBudget(scorer.Options)}); rescoring took {rescored.RescoringTime.TotalSeconds:F1} s " +
                $"of {rescored.ScoringTime.TotalSeconds:F1} s scoring ({rescored.RescoringTimeShare:P0}), margin {scorer.Options.CascadeMargin} (pairs {scorer.Options.CascadePairMargin}, " +
                $"{PairCap(scorer.Options, rescored)}), " +
                $"{ContextualScores(scorer.Options)}"));
        }
        output.WriteLine();
        output.Write(EvaluationReport.FormatCalibration(results[0]));

        if (calibratedFile is not null)
        {
            // A signal while it is written leaves the file as it was: a cut file would load as fewer interests (its cut
            // line a bad line) in a later score, eval or import. Elsewhere eval writes nothing, and a signal ends it at once.
            using var interruption = new CommandInterruption(cancellationToken);
            if (!OutputFile.Write(calibratedFile, writer => WriteCalibrated(interests, results[0], writer), interruption.Token))
            {
                log.WriteLine($"eval: interrupted; {calibratedFile.Name} not written");
                return interruption.ExitCode ?? throw new OperationCanceledException(cancellationToken);
            }
            log.WriteLine($"eval: wrote {interests.Count} interests with calibrated thresholds to {calibratedFile.FullName}");
        }
        return 0;
    }

    /// <summary>Each scorer's calibration model fitted on every set evaluated, with how it does on each.</summary>
    public static void WriteFits(CalibrationData fitData, TextWriter output)
    {
        foreach (var (name, sets) in fitData.ByScorer)
        {
            var fitted = CalibrationFit.Fit(sets);
            var model = fitted.Model;
            var here = string.Join("; ", fitted.Sets.Select((check, k) => FormattableString.Invariant(
                $"{(sets.Count > 1 ? $"set {k + 1}: " : "here ")}F1 at 0.5 {check.AtHalf.F1:0.000}, best {check.Best.Counts.F1:0.000} at {check.Best.Threshold:0.000}")));
            output.WriteLine(FormattableString.Invariant(
                $"calibration model {name}: A={model.A:0.####} B={model.B:0.####} C={model.C:0.####} PriorMean={model.PriorMean:0.####} PriorDeviation={model.PriorDeviation:0.####}; {here}; {fitted.Form}, then C moved to put 0.5 at the sets' shared F1 optimum"));
        }
    }

    /// <summary>The cascade's cap on pairs rescored per message, and the pairs it left to their fast scores.</summary>
    private static string PairCap(ScoringOptions options, CascadeStatistics rescored)
        => options.CascadeMaxPairsPerMessage > 0
            ? string.Create(CultureInfo.InvariantCulture, $"at most {options.CascadeMaxPairsPerMessage} a message: {rescored.OverCapPairs} more kept fast scores")
            : "no cap per message";

    /// <summary>The cascade's budget in model time, off in <c>eval</c> unless given (<see cref="StreamAttentionHost.BuildOffline"/>).</summary>
    private static string LoadBudget(ScoringOptions options) => options.CascadeMaxModelTimeShare > 0
        ? string.Create(CultureInfo.InvariantCulture, $"the model at most {options.CascadeMaxModelTimeShare:P0} of wall time: results depend on this machine's speed")
        : "no load budget";

    /// <summary>How the contextual tiers' scores are put on the tiers' common scale.</summary>
    private static string ContextualScores(ScoringOptions options) => options.Calibration == ScoreCalibration.Background
        ? $"contextual scores calibrated per interest ({ContextualRescorer.CalibrationKey} model)"
        : string.Create(CultureInfo.InvariantCulture, $"contextual score map {options.ContextualScoreScale}·s + {options.ContextualScoreOffset}");

    /// <summary>The configured embedder, and MiniLM where a tier rescores with it.</summary>
    private static string ModelsOf(MessageScorer scorer)
        => scorer.Tiers.Tier == ScoringTier.Fast ? scorer.Embedder.Name : $"{scorer.Embedder.Name} + {MiniLmModelSetup.ModelName}";

    private static void WriteCalibrated(IReadOnlyList<InterestDefinition> interests, MethodEvaluation configured, TextWriter writer)
    {
        var best = configured.Interests.ToDictionary(i => i.InterestId, i => i.RelevantCount > 0 ? i.BestF1.Threshold : i.Threshold);
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        foreach (var interest in interests)
        {
            // Not rounded: the F1-optimal threshold is the score of the last relevant message it admits, and rounding it up would drop that message.
            writer.WriteLine(JsonSerializer.Serialize(interest with { Threshold = best[interest.Id] }, json));
        }
    }
}

/// <summary>The raw scores and labels that <c>--fit-calibration</c> fits each scorer's model on, a set at a time, in order.</summary>
public sealed class CalibrationData
{
    private readonly Dictionary<string, List<LabelledScores>> _byScorer = [];

    public IEnumerable<(string Name, IReadOnlyList<LabelledScores> Sets)> ByScorer => _byScorer.Select(p => (p.Key, (IReadOnlyList<LabelledScores>)p.Value));

    public void Add(string scorer, LabelledScores set)
    {
        if (!_byScorer.TryGetValue(scorer, out var sets))
        {
            _byScorer[scorer] = sets = [];
        }
        sets.Add(set);
    }
}

/// <summary>A scorer built with one embedding provider; <paramref name="Name"/> is empty for the configured one.</summary>
public sealed record ProviderScorer(string Name, MessageScorer Scorer);

/// <summary>One labelled set's files as <c>eval</c> reads them (<paramref name="Set"/>: its directory, when given as one).</summary>
public sealed record EvalInputs(DirectoryInfo? Set, FileInfo Interests, FileInfo Messages, FileInfo Labels, MessageSelection Selection)
{
    /// <summary>The files read: the split file only when a split is selected.</summary>
    public IEnumerable<FileInfo> Files => Selection.Split == EvaluationSplit.All ? [Interests, Messages, Labels] : [Interests, Messages, Labels, Selection.SplitFile!];
}

/// <summary>Which messages <c>eval</c> evaluates: a split named in <paramref name="SplitFile"/>, or all.</summary>
public sealed record MessageSelection(string Split, FileInfo? SplitFile)
{
    public static MessageSelection Every { get; } = new(EvaluationSplit.All, null);
}
