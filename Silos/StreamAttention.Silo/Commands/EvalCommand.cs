using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Evaluation;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.IO;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention eval</c>: relevance quality on a labelled set — MAP and P/R/F1 of the configured scoring next to
/// BM25 and pooled-cosine baselines, the per-interest calibration, and optionally interests with calibrated thresholds.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var interests = new Option<FileInfo>("--interests") { Description = "interests.jsonl (ids unique)", Required = true };
        var messages = new Option<FileInfo>("--messages") { Description = "messages.jsonl (ids unique)", Required = true };
        var labels = new Option<FileInfo>("--labels") { Description = "labels.jsonl: {\"id\": messageId, \"relevant\": [interestId, ...]} per line", Required = true };
        var calibrated = new Option<FileInfo?>("--calibrated-out") { Description = "write the interests with F1-optimal thresholds of the configured scoring to this file" };
        var command = new Command("eval", "Measure relevance quality against labels, side by side with BM25 and pooled-cosine baselines.")
        {
            interests, messages, labels, calibrated,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            using var host = StreamAttentionHost.Build(parse.UnmatchedTokens);
            return Run(host.Services.GetRequiredService<MessageScorer>(), parse.GetValue(interests)!, parse.GetValue(messages)!,
                parse.GetValue(labels)!, parse.GetValue(calibrated), Console.Out, Console.Error);
        });
        return command;
    }

    public static int Run(MessageScorer scorer, FileInfo interestsFile, FileInfo messagesFile, FileInfo labelsFile, FileInfo? calibratedFile, TextWriter output, TextWriter log)
    {
        if (!CommandFiles.Check("eval", [interestsFile, messagesFile, labelsFile], calibratedFile, log))
        {
            return 2;
        }
        var interests = ScoringFiles.ReadUniqueInterests(ScoringFiles.Interests(interestsFile.FullName, log), log, out _);
        var messages = ScoringFiles.Messages(messagesFile.FullName, log).Read().ToList();
        IReadOnlyList<MethodEvaluation> results;
        try
        {
            results = RelevanceEvaluation.Run(scorer, interests, messages, RelevanceLabels.Load(labelsFile.FullName), WordTokenizer.English.Tokenize);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException)
        {
            log.WriteLine($"eval: {e.Message}");
            return 2;
        }
        var options = scorer.Options;
        output.WriteLine($"embedder {scorer.Embedder.Name}; attention weight {options.AttentionWeight}, scale {options.AttentionScale}, token weight exponent {options.TokenWeightExponent}, default threshold {options.DefaultThreshold}");
        output.Write(EvaluationReport.FormatComparison(results));
        output.WriteLine();
        output.Write(EvaluationReport.FormatCalibration(results[0]));
        if (calibratedFile is not null)
        {
            WriteCalibrated(interests, results[0], calibratedFile);
            log.WriteLine($"eval: wrote {interests.Count} interests with calibrated thresholds to {calibratedFile.FullName}");
        }
        return 0;
    }

    private static void WriteCalibrated(IReadOnlyList<InterestDefinition> interests, MethodEvaluation configured, FileInfo file)
    {
        var best = configured.Interests.ToDictionary(i => i.InterestId, i => i.RelevantCount > 0 ? i.BestF1.Threshold : i.Threshold);
        using var writer = new StreamWriter(file.FullName);
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        foreach (var interest in interests)
        {
            // Not rounded: the F1-optimal threshold is the score of the last relevant message it admits, and rounding it up would drop that message.
            writer.WriteLine(JsonSerializer.Serialize(interest with { Threshold = best[interest.Id] }, json));
        }
    }
}
