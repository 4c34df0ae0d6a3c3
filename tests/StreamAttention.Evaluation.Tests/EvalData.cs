using System.Text.Json;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Evaluation.Tests;

/// <summary>The labelled evaluation sets (tests/data/eval, tests/data/wordnet) and the score command's samples, read as the tests need them.</summary>
internal static class EvalData
{
    public static readonly string EvalDirectory = SetDirectory("eval");
    public static readonly string SampleDirectory = Path.Combine(TestText.RepositoryRoot(), "Silos", "StreamAttention.Silo", "samples");

    /// <summary>A labelled set under tests/data: "eval" (hand-written) or "wordnet" (built from WordNet's topic domains).</summary>
    public static string SetDirectory(string name) => Path.Combine(TestText.RepositoryRoot(), "tests", "data", name);

    public static List<InterestDefinition> Interests(string directory) => ReadJsonLines<InterestDefinition>(Path.Combine(directory, "interests.jsonl"));

    public static List<MessageText> Messages(string directory) => ReadJsonLines<MessageText>(Path.Combine(directory, "messages.jsonl"));

    private static List<T> ReadJsonLines<T>(string path) =>
        File.ReadLines(path)
            .Select((line, index) => JsonSerializer.Deserialize<T>(line, JsonSerializerOptions.Web)
                ?? throw new FormatException($"{path} line {index + 1} is null."))
            .ToList();
}
