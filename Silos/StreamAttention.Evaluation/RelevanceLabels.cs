using System.Text.Json;
using StreamAttention.Contracts.Json;

namespace StreamAttention.Evaluation;

/// <summary>
/// Which interests each message is relevant to, read from JSON lines <c>{"id": messageId, "relevant": [interestId, ...]}</c>.
/// Every evaluated message needs a line, even with an empty list, so that "not relevant" is a judgement rather than a gap.
/// </summary>
public sealed class RelevanceLabels
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();
    private readonly Dictionary<string, HashSet<string>> _byMessage;
    private readonly Dictionary<string, HashSet<string>> _byInterest;

    private RelevanceLabels(Dictionary<string, HashSet<string>> byMessage)
    {
        _byMessage = byMessage;
        _byInterest = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (message, interests) in byMessage)
        {
            foreach (var interest in interests)
            {
                if (!_byInterest.TryGetValue(interest, out var messages))
                {
                    _byInterest[interest] = messages = new HashSet<string>(StringComparer.Ordinal);
                }

                messages.Add(message);
            }
        }
    }

    /// <summary>Labelled message ids, in no particular order.</summary>
    public IReadOnlyCollection<string> MessageIds => _byMessage.Keys;

    /// <summary>Interest ids that at least one message is relevant to.</summary>
    public IReadOnlyCollection<string> InterestIds => _byInterest.Keys;

    public bool IsLabelled(string messageId) => _byMessage.ContainsKey(messageId);

    public bool IsRelevant(string interestId, string messageId) =>
        _byMessage.TryGetValue(messageId, out var interests) && interests.Contains(interestId);

    public IReadOnlySet<string> RelevantInterests(string messageId) => _byMessage.TryGetValue(messageId, out var interests) ? interests : None;

    public IReadOnlySet<string> RelevantMessages(string interestId) => _byInterest.TryGetValue(interestId, out var messages) ? messages : None;

    public static RelevanceLabels Load(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader, Path.GetFileName(path));
    }

    /// <summary>Reads labels; blank lines are skipped, anything else malformed throws a <see cref="FormatException"/> naming the line.</summary>
    public static RelevanceLabels Parse(TextReader reader, string sourceName = "labels")
    {
        var byMessage = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var (messageId, relevant) = ParseLine(line, sourceName, lineNumber);
            if (!byMessage.TryAdd(messageId, relevant))
            {
                throw Error(sourceName, lineNumber, $"message \"{messageId}\" is labelled twice");
            }
        }

        return new RelevanceLabels(byMessage);
    }

    private static (string MessageId, HashSet<string> Relevant) ParseLine(string line, string sourceName, int lineNumber)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw Error(sourceName, lineNumber, $"not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(sourceName, lineNumber, "expected a JSON object");
            }
            if (UnreadableStrings.Describe(root) is { } unreadable)
            {
                throw Error(sourceName, lineNumber, unreadable);
            }

            if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
            {
                throw Error(sourceName, lineNumber, "\"id\" must be a non-empty string");
            }

            if (!root.TryGetProperty("relevant", out var relevant) || relevant.ValueKind != JsonValueKind.Array)
            {
                throw Error(sourceName, lineNumber, "\"relevant\" must be an array of interest ids (empty when none)");
            }

            var interests = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in relevant.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                {
                    throw Error(sourceName, lineNumber, "\"relevant\" entries must be non-empty strings");
                }

                if (!interests.Add(item.GetString()!))
                {
                    throw Error(sourceName, lineNumber, $"interest \"{item.GetString()}\" is listed twice");
                }
            }

            return (id.GetString()!, interests);
        }
    }

    private static FormatException Error(string sourceName, int lineNumber, string problem, Exception? inner = null) =>
        new($"{sourceName} line {lineNumber}: {problem}.", inner);
}
