using System.Text.Json;
using StreamAttention.Contracts.Json;

namespace StreamAttention.Evaluation;

/// <summary>
/// A labelled set's messages divided into a dev half (for tuning) and a test half (for reporting only), read from
/// JSON lines <c>{"id": messageId, "split": "dev" | "test"}</c>.
/// </summary>
public sealed class EvaluationSplit
{
    public const string Dev = "dev";
    public const string Test = "test";
    public const string All = "all";

    /// <summary>The split file's name beside the labels.</summary>
    public const string FileName = "split.jsonl";

    private readonly Dictionary<string, string> _splitOfMessage;

    public EvaluationSplit(IReadOnlyDictionary<string, string> splitOfMessage)
    {
        var invalid = splitOfMessage.FirstOrDefault(pair => pair.Value is not (Dev or Test));
        if (invalid.Key is not null)
        {
            throw new FormatException($"Message \"{invalid.Key}\" is in split \"{invalid.Value}\"; splits are \"{Dev}\" and \"{Test}\".");
        }
        _splitOfMessage = new Dictionary<string, string>(splitOfMessage, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, string> SplitOfMessage => _splitOfMessage;

    /// <summary>Whether the message belongs to <paramref name="split"/> (<see cref="All"/> holds every message).</summary>
    public bool Contains(string split, string messageId) => split switch
    {
        All => true,
        Dev or Test => _splitOfMessage.TryGetValue(messageId, out var assigned) ? assigned == split
            : throw new ArgumentException($"Message \"{messageId}\" is in no split.", nameof(messageId)),
        _ => throw new ArgumentException($"Split must be {Dev}, {Test} or {All}, not \"{split}\".", nameof(split)),
    };

    /// <summary>
    /// The deterministic split, stratified by interest: each message's stratum is its relevant interest with the fewest
    /// relevant messages (ties by id; messages relevant to nothing form one stratum), and each stratum's messages, in id
    /// order (the ids were assigned after a seeded shuffle), alternate dev, test, dev, …, so every interest with at least
    /// two relevant messages has some in both halves.
    /// </summary>
    public static EvaluationSplit Stratified(RelevanceLabels labels)
    {
        var strata = labels.MessageIds
            .GroupBy(message => labels.RelevantInterests(message)
                .OrderBy(interest => labels.RelevantMessages(interest).Count).ThenBy(interest => interest, StringComparer.Ordinal)
                .FirstOrDefault() ?? "", StringComparer.Ordinal);
        var assigned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var stratum in strata)
        {
            var index = 0;
            foreach (var message in stratum.Order(StringComparer.Ordinal))
            {
                assigned[message] = index++ % 2 == 0 ? Dev : Test;
            }
        }
        return new EvaluationSplit(assigned);
    }

    public static EvaluationSplit Load(string path)
    {
        var assigned = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            Entry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<Entry>(line, JsonSerializerOptions.Web);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path} line {number}: {JsonErrors.Describe(e)}", e);
            }
            if (entry?.Id is null || entry.Split is null || !assigned.TryAdd(entry.Id, entry.Split))
            {
                throw new FormatException($"{path} line {number}: expected {{\"id\", \"split\"}} with an id not seen before.");
            }
        }
        return new EvaluationSplit(assigned);
    }

    /// <summary>One line per message, in id order.</summary>
    public void Write(TextWriter writer)
    {
        foreach (var (message, split) in _splitOfMessage.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            writer.WriteLine(JsonSerializer.Serialize(new Entry(message, split), JsonSerializerOptions.Web));
        }
    }

    private sealed record Entry(string? Id, string? Split);
}
