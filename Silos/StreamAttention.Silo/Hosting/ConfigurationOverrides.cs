using System.Collections;
using System.Text.RegularExpressions;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// The arguments a command leaves to the configuration (<c>--Section:Key=value</c> or <c>--Section:Key value</c>): one
/// that names no section is a mistyped option (<c>--rates 10</c>), which the configuration would take silently as a
/// setting that nothing reads; so would a mistyped key (<c>--Embeddings:Providr=glove</c>), which is warned about.
/// </summary>
public static partial class ConfigurationOverrides
{
    /// <summary>The first argument that is neither a <c>Section:Key</c> override nor the value of one; null when all are.</summary>
    public static string? FirstUnknown(IReadOnlyList<string> arguments)
        => Parse(arguments).Where(parsed => parsed.Key is null).Select(parsed => parsed.Argument).FirstOrDefault();

    /// <summary>
    /// One line per key set by an override, an environment variable (<c>STREAMATTENTION_Section__Key</c>, or
    /// <c>Section__Key</c>) or a settings file (as the host reads them) that no setting reads, with the key it may be a typo
    /// of: a warning only, since a key missed here must not stop a deployment. A <c>STREAMATTENTION_</c> variable that
    /// separates a section with one underscore (<c>STREAMATTENTION_Scoring_DefaultThreshold</c>) sets a key under no
    /// section, which the host reads and nothing uses: it is warned about with the variable it means.
    /// </summary>
    public static IEnumerable<string> UnreadSettings(IReadOnlyList<string> arguments, IDictionary environment, IEnumerable<FileInfo> settingsFiles, SettingKeys known)
    {
        var fromArguments = Parse(arguments).Select(parsed => parsed.Key).OfType<string>().Select(key => (Key: key, Origin: (string?)null));
        var fromEnvironment = environment.Keys.Cast<string>()
            .Order(StringComparer.Ordinal)
            .Select(variable => (Key: KeyOf(variable), Origin: (string?)$"environment variable {variable}"));
        var fromFiles = settingsFiles.SelectMany(file => KeysIn(file).Select(key => (Key: key, Origin: (string?)$"in {file.FullName}")));
        foreach (var (key, origin) in fromArguments.Concat(fromEnvironment).Concat(fromFiles).DistinctBy(given => given.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (!known.IsRead(key))
            {
                var from = origin is null ? "" : $" ({origin})";
                var suggestion = known.Closest(key) is { } closest ? $" (did you mean '{closest}'?)" : "";
                yield return $"setting '{key}'{from} is read by nothing{suggestion}";
            }
        }
        foreach (var variable in environment.Keys.Cast<string>().Where(IsPrefixed).Order(StringComparer.Ordinal))
        {
            var key = KeyOf(variable);
            var meant = Underscores().Replace(variable[StreamAttentionHost.EnvironmentPrefix.Length..], ":").Trim(':');
            if (!known.IsOwned(key) && known.IsOwned(meant))
            {
                var name = StreamAttentionHost.EnvironmentPrefix + (known.IsRead(meant) ? meant : known.Closest(meant) ?? meant).Replace(":", "__", StringComparison.Ordinal);
                yield return $"setting '{key}' (environment variable {variable}) is read by nothing (did you mean {name}?)";
            }
        }
    }

    /// <summary>
    /// <see cref="SettingKeys.FirstValueThatDoesNotConvert"/> in the configuration every command reads with these
    /// arguments; null too when a settings file does not parse: the host that reads it then stops with the parser's error.
    /// </summary>
    public static string? FirstValueThatDoesNotConvert(IReadOnlyList<string> arguments, SettingKeys known)
    {
        try
        {
            return known.FirstValueThatDoesNotConvert(StreamAttentionHost.AddSources(new ConfigurationBuilder(), arguments).Build());
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static bool IsPrefixed(string variable) => variable.StartsWith(StreamAttentionHost.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The key an environment variable sets, as the host's environment sources read it: <c>__</c> is a section's
    /// separator, and a name that then starts with the <c>STREAMATTENTION_</c> prefix (in any case) sets what follows it.
    /// </summary>
    private static string KeyOf(string variable)
    {
        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        return IsPrefixed(key) ? key[StreamAttentionHost.EnvironmentPrefix.Length..] : key;
    }

    /// <summary>
    /// The keys a JSON settings file sets, as the configuration reads them (an array's items by index); none when it is
    /// missing, or does not parse: the host that reads it then stops with the parser's error.
    /// </summary>
    private static IEnumerable<string> KeysIn(FileInfo settingsFile)
    {
        try
        {
            return new ConfigurationBuilder().AddJsonFile(settingsFile.FullName, optional: true).Build()
                .AsEnumerable().Where(setting => setting.Value is not null).Select(setting => setting.Key).Order(StringComparer.Ordinal).ToList();
        }
        catch (InvalidDataException)
        {
            return [];
        }
    }

    /// <summary>Underscores, one or more, where a section's separator (<c>__</c>) may have been meant.</summary>
    [GeneratedRegex("_+")]
    private static partial Regex Underscores();

    /// <summary>Each argument with the key it sets, null for one that is no override (nor the value of one).</summary>
    private static IEnumerable<(string Argument, string? Key)> Parse(IReadOnlyList<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var prefix = argument.StartsWith("--", StringComparison.Ordinal) ? 2 : argument.StartsWith('/') ? 1 : 0;
            var equals = argument.IndexOf('=');
            var key = equals < 0 ? argument[prefix..] : argument[prefix..equals];
            if (!key.Contains(':') || key.StartsWith(':') || (prefix == 0 && equals < 0))
            {
                yield return (argument, null);
                continue;
            }
            yield return (argument, key);
            if (equals < 0 && prefix > 0)
            {
                // "--Section:Key value": the next argument is its value, whatever it looks like (-0.5).
                i++;
            }
        }
    }
}
