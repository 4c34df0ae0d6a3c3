using System.ComponentModel.DataAnnotations;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests.Cascade;

public sealed class CascadeBudgetTests
{
    private const float Margin = 0.4f;
    private static readonly float[] Thresholds = [0.5f, 0.5f, 0.5f];

    private static RowMatch Pair(int message, int interest, float score) => new(message, interest, score, score, []);

    /// <summary>Per message, every interest whose pair is within the margin (what <see cref="CascadePairs"/> would choose with equal margins).</summary>
    private static int[][] Chosen(IReadOnlyList<RowMatch> pairs, int messages)
        => CascadePairs.Choose(pairs, Thresholds, messages, Margin, Margin, maxPairs: 0, out _);

    /// <summary>A distinct text per row: every row its own message.</summary>
    private static string[] Texts(int rows) => Enumerable.Range(0, rows).Select(r => $"message {r}").ToArray();

    private static int[] RunMessages(int[][] chosen) => Enumerable.Range(0, chosen.Length).Where(m => chosen[m].Length > 0).ToArray();

    [Fact]
    public void A_share_of_one_passes_every_choice_through()
    {
        RowMatch[] pairs = [Pair(0, 0, 0.45f), Pair(1, 1, 0.2f), Pair(2, 2, 0.9f), Pair(3, 0, 0.15f)];
        var chosen = Chosen(pairs, 4);

        Assert.Same(chosen, new CascadeBudget(1.0).Limit(chosen, Texts(chosen.Length), pairs, Thresholds, Margin).Chosen);
    }

    [Fact]
    public void The_messages_with_the_most_pairs_nearest_their_thresholds_are_kept()
    {
        RowMatch[] pairs =
        [
            // Message 0: one pair close to its threshold (closeness 0.875).
            Pair(0, 0, 0.45f),
            // Message 1: two pairs a little further (0.75 + 0.625 = 1.375): outweighs message 0.
            Pair(1, 0, 0.6f), Pair(1, 1, 0.35f),
            // Message 2: one pair far from its threshold (0.125).
            Pair(2, 2, 0.15f),
            // Message 3: one pair on its threshold (1).
            Pair(3, 1, 0.5f),
        ];
        var chosen = Chosen(pairs, 4);

        var limited = new CascadeBudget(0.5).Limit(chosen, Texts(chosen.Length), pairs, Thresholds, Margin).Chosen;

        Assert.Equal([1, 3], RunMessages(limited));
        // A kept message keeps every pair it had; the others have none.
        Assert.Equal(chosen[1], limited[1]);
        Assert.Equal(chosen[3], limited[3]);
        Assert.Equal(
            [0.875, 1.375, 0.125, 1.0],
            CascadeBudget.Priority(pairs, Thresholds, 4, Margin).Select(p => Math.Round(p, 6)));
    }

    [Fact]
    public void Ties_go_to_the_earlier_message_whatever_the_order_of_the_pairs()
    {
        // Every pair 0.25 from its threshold (exact in binary): all four messages tie.
        RowMatch[] pairs = [Pair(3, 0, 0.25f), Pair(1, 1, 0.75f), Pair(2, 2, 0.25f), Pair(0, 0, 0.75f)];
        var chosen = Chosen(pairs, 4);

        var limited = new CascadeBudget(0.5).Limit(chosen, Texts(chosen.Length), pairs, Thresholds, Margin).Chosen;
        var reversed = new CascadeBudget(0.5).Limit(chosen, Texts(chosen.Length), pairs.Reverse().ToArray(), Thresholds, Margin).Chosen;

        Assert.Equal([0, 1], RunMessages(limited));
        Assert.Equal([0, 1], RunMessages(reversed));
    }

    [Fact]
    public void The_budget_only_removes_messages_and_leaves_a_run_under_it_alone()
    {
        // Only messages 0 and 2 have a pair within the margin; a share of 0.5 of four messages allows both.
        RowMatch[] pairs = [Pair(0, 0, 0.45f), Pair(1, 1, 0.05f), Pair(2, 2, 0.7f), Pair(3, 0, 0f)];
        var chosen = Chosen(pairs, 4);

        var limited = new CascadeBudget(0.5).Limit(chosen, Texts(chosen.Length), pairs, Thresholds, Margin).Chosen;

        Assert.Equal([0, 2], RunMessages(limited));
        Assert.Equal(chosen, limited);
    }

    [Fact]
    public void The_windows_of_one_text_count_once_and_are_kept_together()
    {
        // Rows 0 and 2 are windows of one long message (its pairs' closeness 0.5 + 0.5); rows 1 and 3 are messages of their own (0.875, 0.25).
        string[] texts = ["long", "short", "long", "other"];
        RowMatch[] pairs = [Pair(0, 0, 0.3f), Pair(1, 1, 0.45f), Pair(2, 2, 0.7f), Pair(3, 0, 0.2f)];
        var chosen = Chosen(pairs, 4);

        // Three messages: a share of 2/3 allows two, the long message (1.0) and row 1's (0.875).
        var limited = new CascadeBudget(2.0 / 3).Limit(chosen, texts, pairs, Thresholds, Margin).Chosen;

        Assert.Equal([0, 1, 2], RunMessages(limited));
    }

    [Fact]
    public void The_fraction_left_over_carries_to_the_next_run()
    {
        RowMatch[] pairs = [Pair(0, 0, 0.5f)];
        var chosen = Chosen(pairs, 1);
        var budget = new CascadeBudget(0.25);

        // Runs of one message: a quarter of a message each, so every fourth run is rescored.
        var rescored = Enumerable.Range(0, 12).Select(_ => budget.Limit(chosen, Texts(chosen.Length), pairs, Thresholds, Margin).Chosen[0].Length > 0).ToArray();

        Assert.Equal([false, false, false, true, false, false, false, true, false, false, false, true], rescored);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    public void A_share_outside_zero_to_one_is_rejected(double share)
    {
        var options = new ScoringOptions { CascadeMaxMessageShare = share };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(ScoringOptions.CascadeMaxMessageShare)));
    }
}
