using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The options tables of the documentation (those whose first column is headed "key") against the keys the code reads
/// (<see cref="SettingKeys"/>): the tables name no key that nothing reads, and every key read is in some table.
/// </summary>
public sealed class DocumentedSettingsTests
{
    private static readonly string[] Documents = ["README.md", "Silos/README.md", "Ingest/StreamAttention.Ingest/README.md"];

    private static readonly SettingKeys Known = SettingKeys.OfStreamAttention;

    [Fact]
    public void Every_documented_key_is_read()
    {
        var documented = DocumentedKeys().ToList();

        Assert.InRange(documented.Count, 150, int.MaxValue);
        var unread = documented.Where(key => !Known.Keys.Any(known => NameTheSame(key.Key, known))).Select(key => $"{key.Key} ({key.Document})").ToList();
        Assert.True(unread.Count == 0, $"documented, read by nothing: {string.Join(", ", unread)}");
    }

    [Fact]
    public void Every_key_read_is_documented()
    {
        var documented = DocumentedKeys().Select(key => key.Key).ToList();

        var undocumented = Known.Keys.Where(known => !documented.Any(key => NameTheSame(key, known))).ToList();
        Assert.True(undocumented.Count == 0, $"read, in no options table: {string.Join(", ", undocumented)}");
    }

    /// <summary>
    /// The keys in the first column of the tables headed "key", under the section the header names (<c>key (`Ingest:…`)</c>):
    /// a key in full, or after a key of the same cell only its last segment (<c>`Sha256`</c>, <c>`…:MaxInterests`</c>);
    /// <c>{A,B}</c> is each of A and B. Left as written: <c>N</c> for any index, another <c>{name}</c> for any dictionary
    /// key, and a last <c>*</c> for any key below.
    /// </summary>
    private static IEnumerable<(string Key, string Document)> DocumentedKeys()
    {
        foreach (var document in Documents)
        {
            foreach (var table in MarkdownTable.In(TestFiles.Repository(document)).Where(table => table.Header[0].StartsWith("key", StringComparison.Ordinal)))
            {
                var section = MarkdownTable.CodeSpans(table.Header[0]).SingleOrDefault()?.TrimEnd('…') ?? "";
                foreach (var row in table.Rows)
                {
                    var previous = "";
                    foreach (var name in MarkdownTable.CodeSpans(row[0]))
                    {
                        var text = name.Replace("…:", "", StringComparison.Ordinal);
                        var key = text.Contains(':') || previous.Length == 0 ? section + text : previous[..(previous.LastIndexOf(':') + 1)] + text;
                        previous = key;
                        foreach (var expanded in Expand(key.Split(':')))
                        {
                            yield return (expanded, document);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A key with <c>{A,B}</c> segments as each key it stands for.</summary>
    private static IEnumerable<string> Expand(IReadOnlyList<string> segments)
    {
        if (segments.Count == 0)
        {
            return [""];
        }
        var first = segments[0];
        var choices = first.StartsWith('{') && first.Contains(',') ? first.Trim('{', '}').Split(',') : [first];
        return choices.SelectMany(choice => Expand(segments.Skip(1).ToList()).Select(rest => rest.Length == 0 ? choice : $"{choice}:{rest}"));
    }

    /// <summary>
    /// Whether a documented key and a known one (<see cref="SettingKeys.Keys"/>) can name the same setting: <c>N</c> stands
    /// for an index, a documented <c>{name}</c> or <c>*</c> for a dictionary's key (a known <c>*</c>), and a last documented
    /// <c>*</c> for any key below;
    /// a collection of values is documented by its own name (<c>Ingest:InputTopics</c>). In any case, as the configuration compares.
    /// </summary>
    private static bool NameTheSame(string documentedKey, string knownKey)
    {
        var (documented, known) = (documentedKey.Split(':'), knownKey.Split(':'));
        for (var i = 0; ; i++)
        {
            if (i == documented.Length - 1 && documented[i] == "*" && known.Length > i)
            {
                return true;
            }
            if (i == documented.Length || i == known.Length)
            {
                return documented.Length == known.Length || (i == documented.Length && i == known.Length - 1 && known[i] == "N");
            }
            var same = known[i] switch
            {
                "N" => documented[i] == "N" || documented[i].All(char.IsAsciiDigit),
                "*" => documented[i] == "*" || (documented[i].StartsWith('{') && documented[i].EndsWith('}')),
                _ => string.Equals(documented[i], known[i], StringComparison.OrdinalIgnoreCase),
            };
            if (!same)
            {
                return false;
            }
        }
    }
}
