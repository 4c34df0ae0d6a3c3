namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Bounds the cascade's model cost: at most <see cref="Options.ScoringOptions.CascadeMaxMessageShare"/> of a run's
/// messages go through the contextual model, and no more than <paramref name="modelTime"/> (the load budget) lets
/// through. Of the messages <see cref="CascadePairs"/> chose, those most likely to change a decision keep their pairs
/// (<see cref="Priority"/>); the rest keep their fast scores. A message is its text: the rows (fast windows) of one text
/// go through the model together, so they are counted, ranked (their priorities summed) and kept together. A run may
/// take share × its messages; the fraction left over carries to the next run, so small runs (one message) reach the
/// share on average too. A share of 1 and no load budget pass every choice through. Thread-safe.
/// </summary>
public sealed class CascadeBudget(double maxMessageShare, ModelTimeBudget? modelTime = null)
{
    /// <summary>Absorbs rounding in the carried fraction (0.2 × 5 summed is not exactly 1).</summary>
    private const double Rounding = 1e-9;

    private readonly Lock _lock = new();
    private double _carried;

    /// <summary>
    /// <paramref name="chosen"/> (per row the interest rows to rescore, empty: not run), with only the messages the
    /// budget allows still chosen: by <see cref="Priority"/>, highest first, ties to the message of the earlier row.
    /// Pass the result to <see cref="Settle"/> once the model has run.
    /// </summary>
    /// <param name="texts">Each row's text (a long message's windows carry the same one).</param>
    public BudgetedRun Limit(int[][] chosen, IReadOnlyList<string> texts, IReadOnlyList<RowMatch> fastPairs, float[] thresholds, float margin)
    {
        if (maxMessageShare >= 1 && modelTime is not { Limits: true })
        {
            return new BudgetedRun(chosen, 0, 0);
        }
        var messageOfRow = MessagesOf(texts, out var messages);
        var candidate = new bool[messages];
        for (var row = 0; row < chosen.Length; row++)
        {
            candidate[messageOfRow[row]] |= chosen[row].Length > 0;
        }
        var candidates = Enumerable.Range(0, messages).Where(m => candidate[m]).ToArray();
        var allowed = Math.Min(candidates.Length, ShareAllows(messages));
        double reserved = 0;
        if (modelTime is not null)
        {
            allowed = modelTime.Take(allowed, out reserved);
        }
        if (candidates.Length <= allowed)
        {
            return new BudgetedRun(chosen, candidates.Length, reserved);
        }
        var rowPriority = Priority(fastPairs, thresholds, chosen.Length, margin);
        var priority = new double[messages];
        for (var row = 0; row < chosen.Length; row++)
        {
            priority[messageOfRow[row]] += rowPriority[row];
        }
        // Messages are numbered by their first row, so the lower number is the earlier message.
        var kept = candidates.OrderByDescending(m => priority[m]).ThenBy(m => m).Take(allowed).ToHashSet();
        return new BudgetedRun(chosen.Select((interests, row) => kept.Contains(messageOfRow[row]) ? interests : []).ToArray(), allowed, reserved);
    }

    /// <summary>Whether the load budget holds no model time now: a run starting now would send no message through the model.</summary>
    public bool LoadBudgetEmpty => modelTime is { IsEmpty: true };

    /// <summary>The model ran <paramref name="run"/>'s messages in <paramref name="took"/>: the load budget pays it.</summary>
    public void Settle(BudgetedRun run, TimeSpan took) => modelTime?.Settle(run.ReservedSeconds, took, run.Messages);

    /// <summary>Messages the share allows a run of <paramref name="messages"/>, the fraction left over carried to the next.</summary>
    private int ShareAllows(int messages)
    {
        if (maxMessageShare >= 1)
        {
            return messages;
        }
        lock (_lock)
        {
            var allowance = maxMessageShare * messages + _carried;
            var allowed = (int)Math.Floor(allowance + Rounding);
            _carried = Math.Max(0, allowance - allowed);
            return allowed;
        }
    }

    /// <summary>
    /// Per row, how likely its rescoring changes a decision: the sum over its pairs within <paramref name="margin"/>
    /// of their threshold of 1 − |score − threshold| / margin (a pair on its threshold counts 1, one at the margin's edge
    /// or beyond 0). Many pairs near their thresholds outweigh a single one.
    /// </summary>
    public static double[] Priority(IReadOnlyList<RowMatch> fastPairs, float[] thresholds, int rows, float margin)
    {
        var priority = new double[rows];
        foreach (var pair in fastPairs)
        {
            var distance = Math.Abs(pair.Score - thresholds[pair.InterestIndex]);
            if (distance < margin)
            {
                priority[pair.MessageIndex] += 1 - distance / margin;
            }
        }
        return priority;
    }

    /// <summary>Each row's message (its text's number, in order of first row) and how many messages there are.</summary>
    private static int[] MessagesOf(IReadOnlyList<string> texts, out int messages)
    {
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        var messageOfRow = new int[texts.Count];
        for (var row = 0; row < texts.Count; row++)
        {
            if (!numbers.TryGetValue(texts[row], out var number))
            {
                number = numbers.Count;
                numbers.Add(texts[row], number);
            }
            messageOfRow[row] = number;
        }
        messages = numbers.Count;
        return messageOfRow;
    }
}

/// <summary>
/// A run's choice after the budget: per row the interest rows to rescore, how many messages (texts) that sends through
/// the model (0 when nothing is budgeted: then nothing counts them), and the model time the load budget reserved for them.
/// </summary>
public sealed record BudgetedRun(int[][] Chosen, int Messages, double ReservedSeconds);
