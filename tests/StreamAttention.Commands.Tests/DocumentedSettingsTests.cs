using System.Globalization;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The options tables of the documentation (those whose first column is headed "key") against the keys the code reads
/// (<see cref="SettingKeys"/>): the tables name no key that nothing reads, every key read is in some table, and a default
/// a table states is the options class's.
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
    public void Every_documented_default_is_the_options_default()
    {
        var stated = DocumentedKeys().Where(key => key.Default is not null).ToList();

        var compared = stated.Select(key => (key.Key, key.Document, Written: key.Default!, Same: SameValue(key.Default!, Known.DefaultOf(key.Key))))
            .Where(key => key.Same is not null).ToList();

        Assert.InRange(compared.Count, 100, int.MaxValue);
        var differing = compared.Where(key => key.Same == false).Select(key => $"{key.Key} = {Known.DefaultOf(key.Key)} in the code, {key.Written} in {key.Document}").ToList();
        Assert.True(differing.Count == 0, $"documented defaults that are not the code's: {string.Join("; ", differing)}");
    }

    /// <summary>
    /// Whether a default as a table writes it (<c>0.5</c>, <c>`Background`</c>, <c>00:01:00</c>, <c>16 MiB</c>, <c>−1</c>)
    /// is the value; null where the text is not one value of the value's type (<c>—</c>, <c>the provider</c>,
    /// <c>as `ExecutionProvider`</c>), or there is no value to compare (a default computed elsewhere).
    /// </summary>
    private static bool? SameValue(string written, object? value)
    {
        var text = written.Trim().Trim('`').Replace('\u2212', '-');
        var invariant = CultureInfo.InvariantCulture;
        switch (value)
        {
            case bool flag:
                return bool.TryParse(text, out var parsed) ? parsed == flag : null;
            case TimeSpan span:
                return TimeSpan.TryParse(text, invariant, out var parsedSpan) ? parsedSpan == span : null;
            case Enum:
                return text.All(char.IsAsciiLetterOrDigit) ? string.Equals(text, value.ToString(), StringComparison.OrdinalIgnoreCase) : null;
            case string name:
                return written.Trim() == $"`{text}`" ? text == name : null;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                var (number, unit) = text.Split(' ') is [var digits, var suffix] ? (digits, suffix) : (text, "");
                var multiplier = unit switch { "" => 1d, "KiB" => 1 << 10, "MiB" => 1 << 20, "GiB" => 1 << 30, _ => double.NaN };
                // In the value's own type: 0.6 as a float is not 0.6 as a double.
                return double.TryParse(number.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, invariant, out var parsedNumber) && !double.IsNaN(multiplier)
                    ? Convert.ChangeType(parsedNumber * multiplier, value.GetType(), invariant).Equals(value)
                    : null;
            default:
                return null;
        }
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
    /// key, and a last <c>*</c> for any key below. With each, the default the row states for it where the table's second
    /// column is headed "default": the part at the key's place when that cell lists one default per key, comma-separated,
    /// else the whole cell when the row names one key (or one <c>{A,B}</c> key), else null.
    /// </summary>
    private static IEnumerable<(string Key, string Document, string? Default)> DocumentedKeys()
    {
        foreach (var document in Documents)
        {
            foreach (var table in MarkdownTable.In(TestFiles.Repository(document)).Where(table => table.Header[0].StartsWith("key", StringComparison.Ordinal)))
            {
                var section = MarkdownTable.CodeSpans(table.Header[0]).SingleOrDefault()?.TrimEnd('…') ?? "";
                var hasDefaults = table.Header.Count > 1 && table.Header[1] == "default";
                foreach (var row in table.Rows)
                {
                    var keys = new List<string>();
                    var previous = "";
                    foreach (var name in MarkdownTable.CodeSpans(row[0]))
                    {
                        var text = name.Replace("…:", "", StringComparison.Ordinal);
                        var key = text.Contains(':') || previous.Length == 0 ? section + text : previous[..(previous.LastIndexOf(':') + 1)] + text;
                        previous = key;
                        keys.AddRange(Expand(key.Split(':')));
                    }
                    var defaults = hasDefaults ? row[1].Split(", ") : [];
                    foreach (var (key, position) in keys.Select((key, position) => (key, position)))
                    {
                        var stated = defaults.Length == keys.Count ? defaults[position] : defaults.Length > 0 && MarkdownTable.CodeSpans(row[0]).Count() == 1 ? row[1] : null;
                        yield return (key, document, stated);
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
