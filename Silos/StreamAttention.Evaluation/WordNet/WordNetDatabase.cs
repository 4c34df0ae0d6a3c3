using System.Text;

namespace StreamAttention.Evaluation.WordNet;

/// <summary>One WordNet synset: its key (part of speech and byte offset, e.g. <c>n00471613</c>), words, pointers and gloss.</summary>
public sealed record Synset(string Key, IReadOnlyList<string> Words, IReadOnlyList<SynsetPointer> Pointers, string Gloss);

/// <summary>A pointer from a synset to another, e.g. <c>@</c> hypernym or <c>;c</c> "in the topic domain of".</summary>
public sealed record SynsetPointer(string Symbol, string TargetKey)
{
    public const string Hypernym = "@";
    public const string InstanceHypernym = "@i";
    public const string TopicDomain = ";c";
}

/// <summary>
/// The synsets of WordNet 3.0's database files (<c>data.noun</c>, <c>data.verb</c>, <c>data.adj</c>, <c>data.adv</c>, as
/// in Debian's wordnet-base package, format described in its wndb(5WN) page).
/// </summary>
public sealed class WordNetDatabase
{
    private static readonly string[] DataFiles = ["data.noun", "data.verb", "data.adj", "data.adv"];

    private WordNetDatabase(Dictionary<string, Synset> synsets) => Synsets = synsets;

    public IReadOnlyDictionary<string, Synset> Synsets { get; }

    public static WordNetDatabase Load(string directory)
    {
        var synsets = new Dictionary<string, Synset>(StringComparer.Ordinal);
        foreach (var file in DataFiles)
        {
            var path = Path.Combine(directory, file);
            var number = 0;
            foreach (var line in File.ReadLines(path, Encoding.Latin1))
            {
                number++;
                // The licence header's lines start with spaces.
                if (line.Length == 0 || line[0] == ' ')
                {
                    continue;
                }
                var synset = Parse(line) ?? throw new InvalidDataException($"{path} line {number}: not a synset line.");
                synsets.Add(synset.Key, synset);
            }
        }
        return new WordNetDatabase(synsets);
    }

    /// <summary>
    /// <c>offset lex_filenum ss_type w_cnt word lex_id [word lex_id ...] p_cnt [symbol offset pos source/target ...] [frames] | gloss</c>,
    /// with w_cnt in hexadecimal; satellite adjectives (<c>s</c>) share the adjectives' key prefix <c>a</c>.
    /// </summary>
    public static Synset? Parse(string line)
    {
        var bar = line.IndexOf(" | ", StringComparison.Ordinal);
        var fields = (bar < 0 ? line : line[..bar]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6)
        {
            return null;
        }
        var wordCount = Convert.ToInt32(fields[3], 16);
        var words = Enumerable.Range(0, wordCount).Select(i => fields[4 + 2 * i]).ToList();
        var index = 4 + 2 * wordCount;
        var pointerCount = int.Parse(fields[index++]);
        var pointers = new List<SynsetPointer>(pointerCount);
        for (var i = 0; i < pointerCount; i++, index += 4)
        {
            pointers.Add(new SynsetPointer(fields[index], Key(fields[index + 2], fields[index + 1])));
        }
        return new Synset(Key(fields[2], fields[0]), words, pointers, bar < 0 ? "" : line[(bar + 3)..].Trim());
    }

    private static string Key(string partOfSpeech, string offset) => (partOfSpeech == "s" ? "a" : partOfSpeech) + offset;
}
