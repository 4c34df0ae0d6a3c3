using System.Globalization;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Evaluation;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Commands;
using StreamAttention.Silo.IO;

namespace StreamAttention.Commands.Tests;

/// <summary><c>eval</c> on the labelled set in tests/data/eval.</summary>
[Collection(CommandHostCollection.Name)]
public sealed class EvalCommandTests(CommandHostFixture host) : IDisposable
{
    private static readonly FileInfo Interests = TestFiles.Repository("tests/data/eval/interests.jsonl");
    private static readonly FileInfo Messages = TestFiles.Repository("tests/data/eval/messages.jsonl");
    private static readonly FileInfo Labels = TestFiles.Repository("tests/data/eval/labels.jsonl");

    private readonly TestFiles _files = new();

    [Fact]
    public void Reports_the_configured_scoring_next_to_both_baselines_and_writes_calibrated_interests()
    {
        var calibrated = _files.Path("calibrated.jsonl");
        var output = new StringWriter();

        var exitCode = EvalCommand.Run(host.Scorer, Interests, Messages, Labels, calibrated, output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        var lines = output.ToString().Split(Environment.NewLine);
        foreach (var method in new[] { "cross-attention", "pooled cosine", "BM25" })
        {
            // A row: the method, then MAP, P, R, F1, macro-F1, calibrated macro-F1, and the global threshold with its P, R, F1.
            Assert.Contains(lines, line => line.StartsWith(method) && IsResultRow(line[method.Length..]));
        }
        var written = TestFiles.ReadJsonLines(calibrated);
        Assert.Equal(TestFiles.ReadJsonLines(Interests).Select(i => i.GetProperty("id").GetString()), written.Select(i => i.GetProperty("id").GetString()));
        Assert.All(written, i => Assert.InRange(i.GetProperty("threshold").GetSingle(), -1f, 1f));
    }

    [Fact]
    public void A_stop_while_the_calibrated_interests_are_written_leaves_the_file_as_it_was_and_says_so()
    {
        var calibrated = _files.Write("calibrated.jsonl", TestFiles.Json(new { id = "earlier", text = "an earlier run's interest", threshold = 0.6 }));
        var before = File.ReadAllText(calibrated.FullName);
        var log = new StringWriter();

        Assert.Throws<OperationCanceledException>(() => EvalCommand.Run([new ProviderScorer("", host.Scorer)], Interests, Messages, Labels, MessageSelection.Every, calibrated,
            TextWriter.Null, log, cancellationToken: new CancellationToken(canceled: true)));

        // It was written in place, so a signal amid the write left a cut file, which a later score or import reads as
        // fewer interests.
        Assert.Equal(before, File.ReadAllText(calibrated.FullName));
        Assert.Equal([calibrated.FullName], Directory.GetFiles(calibrated.DirectoryName!));
        Assert.Equal("eval: interrupted; calibrated.jsonl not written", log.ToString().TrimEnd().Split(Environment.NewLine).Last());
    }

    [Fact, UnsupportedOSPlatform("windows")]
    public void Calibrated_interests_written_over_a_file_keep_its_permissions()
    {
        var calibrated = _files.Write("calibrated.jsonl", TestFiles.Json(new { id = "earlier", text = "an earlier run's interest", threshold = 0.6 }));
        File.SetUnixFileMode(calibrated.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);

        Assert.Equal(0, EvalCommand.Run(host.Scorer, Interests, Messages, Labels, calibrated, TextWriter.Null, TextWriter.Null));

        // The file renamed over it was created anew: readable by all (the umask's 0644), a private file made public.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite, File.GetUnixFileMode(calibrated.FullName));
        Assert.Equal(TestFiles.ReadJsonLines(Interests).Count, TestFiles.ReadJsonLines(calibrated).Count);
    }

    [Fact]
    public async Task Calibrated_interests_written_to_a_named_pipe_go_through_it_and_leave_the_pipe_in_place()
    {
        var pipe = _files.Path("calibrated.fifo");
        Assert.Equal(0, (await ChildProcess.RunAsync(TimeSpan.FromMinutes(1), "mkfifo", pipe.FullName)).ExitCode);
        var read = Task.Run(() => File.ReadAllLines(pipe.FullName));

        Assert.Equal(0, EvalCommand.Run(host.Scorer, Interests, Messages, Labels, pipe, TextWriter.Null, TextWriter.Null));

        // A temporary file renamed over it would have replaced the pipe with a regular file, its reader left waiting.
        Assert.Equal(TestFiles.ReadJsonLines(Interests).Count, (await read.WaitAsync(TimeSpan.FromMinutes(1))).Length);
        Assert.Equal(0, (await ChildProcess.RunAsync(TimeSpan.FromMinutes(1), "test", "-p", pipe.FullName)).ExitCode);
    }

    [Fact]
    public void Calibrated_thresholds_reproduce_the_best_F1_reported_for_each_interest()
    {
        var calibrated = _files.Path("calibrated.jsonl");
        var output = new StringWriter();
        EvalCommand.Run(host.Scorer, Interests, Messages, Labels, calibrated, output, TextWriter.Null);
        // The calibration table of the configured scoring: rows "interest relevant AP threshold F1 best-threshold best-F1".
        var bestF1 = output.ToString().Split(Environment.NewLine).SkipWhile(line => line != RelevanceEvaluation.ConfiguredMethod).Skip(2)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(cells => cells.Length > 0)
            .ToDictionary(cells => cells[0], cells => cells[^1]);

        var interests = ScoringFiles.Interests(calibrated.FullName, TextWriter.Null).Read().ToList();
        var labels = RelevanceLabels.Load(Labels.FullName);
        // Every pair at full precision, scored as eval scores them; the file's thresholds are then applied here.
        var matches = host.Scorer.Score(ScoringFiles.Messages(Messages.FullName, TextWriter.Null).Read().ToList(), host.Scorer.BuildIndex(interests), minScoreOverride: -1);

        Assert.Equal(interests.Count, bestF1.Count);
        foreach (var interest in interests)
        {
            var admitted = matches.Where(m => m.InterestId == interest.Id && m.Score >= interest.Threshold).ToList();
            var truePositives = admitted.Count(m => labels.IsRelevant(interest.Id, m.MessageId));
            var counts = new Confusion(truePositives, admitted.Count - truePositives, labels.RelevantMessages(interest.Id).Count - truePositives);
            Assert.True(bestF1[interest.Id] == counts.F1.ToString("0.000", CultureInfo.InvariantCulture),
                $"{interest.Id}: F1 {counts.F1:0.000} at the calibrated threshold {interest.Threshold}, eval reported {bestF1[interest.Id]}");
        }
    }

    [Fact]
    public void Fails_with_exit_code_2_on_an_unlabelled_message()
    {
        var labels = _files.Write("labels.jsonl", [.. File.ReadLines(Labels.FullName).SkipLast(1)]);
        var unlabelled = TestFiles.ReadJsonLines(Labels).Last().GetProperty("id").GetString();
        var log = new StringWriter();

        var exitCode = EvalCommand.Run(host.Scorer, Interests, Messages, labels, null, TextWriter.Null, log);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"eval: Message \"{unlabelled}\" has no label line.", log.ToString());
    }

    [Fact]
    public void Compares_providers_side_by_side_on_the_test_split_only()
    {
        var output = new StringWriter();
        var selection = new MessageSelection(EvaluationSplit.Test, TestFiles.Repository("tests/data/eval/split.jsonl"));

        var exitCode = EvalCommand.Run([new ProviderScorer("first", host.Scorer), new ProviderScorer("second", host.Scorer)],
            Interests, Messages, Labels, selection, null, output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        var lines = output.ToString().Split(Environment.NewLine);
        var split = EvaluationSplit.Load(selection.SplitFile!.FullName);
        var testMessages = split.SplitOfMessage.Count(pair => pair.Value == EvaluationSplit.Test);
        Assert.Equal($"split test: {testMessages} of {split.SplitOfMessage.Count} messages", lines[0]);
        foreach (var method in new[] { "first: cross-attention", "first: pooled cosine", "second: cross-attention", "second: pooled cosine" })
        {
            var row = Assert.Single(lines, line => line.StartsWith(method + " "));
            Assert.True(IsResultRow(row[method.Length..]), row);
            Assert.True(IsNumber(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]), $"messages/s in {row}");
        }
        Assert.Contains(lines, line => line.StartsWith("BM25") && IsResultRow(line));
        Assert.Contains(lines, line => line.Contains($"interests x {testMessages} messages"));
    }

    [Fact]
    public void Compares_tiers_side_by_side_with_what_the_cascade_rescored()
    {
        var output = new StringWriter();
        var selection = new MessageSelection(EvaluationSplit.Test, TestFiles.Repository("tests/data/eval/split.jsonl"));
        using var cascadeHost = StreamAttentionHost.BuildOffline(["--Scoring:Tier=cascade", .. TestCluster.RawScoringArguments]);

        var exitCode = EvalCommand.Run([new ProviderScorer("fast", host.Scorer), new ProviderScorer("cascade", cascadeHost.Services.GetRequiredService<MessageScorer>())],
            Interests, Messages, Labels, selection, null, output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        var lines = output.ToString().Split(Environment.NewLine);
        foreach (var method in new[] { "fast: cross-attention", "fast: pooled cosine", "cascade: cross-attention" })
        {
            var row = Assert.Single(lines, line => line.StartsWith(method + " "));
            Assert.True(IsResultRow(row[method.Length..]), row);
        }
        // Its prefilter scores mix two models' pooled cosines: no baseline row.
        Assert.DoesNotContain(lines, line => line.StartsWith("cascade: pooled cosine"));
        Assert.Single(lines, line => line.StartsWith("cascade: rescored contextually ") && line.Contains(" pairs (") && line.Contains(" messages (") && line.Contains("no load budget"));
    }

    [Fact]
    public void The_offline_commands_run_without_the_cascades_load_budget_unless_it_is_given()
    {
        using var given = StreamAttentionHost.BuildOffline(["--Scoring:CascadeMaxModelTimeShare=0.3", .. TestCluster.RawScoringArguments]);
        using var offline = StreamAttentionHost.BuildOffline(TestCluster.RawScoringArguments);

        Assert.Equal(0.3, given.Services.GetRequiredService<MessageScorer>().Options.CascadeMaxModelTimeShare);
        Assert.Equal(0, offline.Services.GetRequiredService<MessageScorer>().Options.CascadeMaxModelTimeShare);
        // A silo's host keeps the default.
        Assert.Equal(new ScoringOptions().CascadeMaxModelTimeShare, host.Scorer.Options.CascadeMaxModelTimeShare);
        Assert.True(host.Scorer.Options.CascadeMaxModelTimeShare > 0);
    }

    [Fact]
    public void Fits_one_calibration_model_on_every_set_evaluated_and_reports_each()
    {
        var splitFile = TestFiles.Repository("tests/data/eval/split.jsonl");
        var fitData = new CalibrationData();
        // The two halves stand for two sets: each is evaluated on its own, the fit takes both.
        foreach (var half in new[] { EvaluationSplit.Dev, EvaluationSplit.Test })
        {
            Assert.Equal(0, EvalCommand.Run([new ProviderScorer("", host.Scorer)], Interests, Messages, Labels, new MessageSelection(half, splitFile), null, TextWriter.Null, TextWriter.Null, fitData));
        }
        var output = new StringWriter();

        EvalCommand.WriteFits(fitData, output);

        var line = Assert.Single(output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"calibration model {host.Scorer.Options.CalibrationKey}: A=", line);
        Assert.Contains("; set 1: F1 at 0.5 ", line);
        Assert.Contains("; set 2: F1 at 0.5 ", line);
    }

    public void Dispose() => _files.Dispose();

    private static bool IsResultRow(string cells) =>
        cells.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(cell => !IsNumber(cell)).Take(10).Count(IsNumber) == 10;

    private static bool IsNumber(string cell) => double.TryParse(cell, CultureInfo.InvariantCulture, out _);
}
