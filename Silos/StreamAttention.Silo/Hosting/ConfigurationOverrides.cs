using System.Collections;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// The arguments a command leaves to the configuration (<c>--Section:Key=value</c> or <c>--Section:Key value</c>): one
/// that names no section is a mistyped option (<c>--rates 10</c>), which the configuration would take silently as a
/// setting that nothing reads; so would a mistyped key (<c>--Embeddings:Providr=glove</c>), which is warned about.
/// </summary>
public static class ConfigurationOverrides
{
    /// <summary>The first argument that is neither a <c>Section:Key</c> override nor the value of one; null when all are.</summary>
    public static string? FirstUnknown(IReadOnlyList<string> arguments)
        => Parse(arguments).Where(parsed => parsed.Key is null).Select(parsed => parsed.Argument).FirstOrDefault();

    /// <summary>
    /// One line per key set by an override, a <c>STREAMATTENTION_Section__Key</c> variable or the settings file (as the host
    /// reads them) that no setting reads, with the key it may be a typo of: a warning only, since a key missed here must not
    /// stop a deployment.
    /// </summary>
    public static IEnumerable<string> UnreadSettings(IReadOnlyList<string> arguments, IDictionary environment, FileInfo settingsFile, SettingKeys known)
    {
        var fromArguments = Parse(arguments).Select(parsed => parsed.Key).OfType<string>().Select(key => (Key: key, Origin: (string?)null));
        var fromEnvironment = environment.Keys.Cast<string>()
            .Where(variable => variable.StartsWith(StreamAttentionHost.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(variable => (Key: variable[StreamAttentionHost.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), Origin: (string?)$"environment variable {variable}"));
        var fromFile = KeysIn(settingsFile).Select(key => (Key: key, Origin: (string?)$"in {settingsFile.FullName}"));
        foreach (var (key, origin) in fromArguments.Concat(fromEnvironment).Concat(fromFile).DistinctBy(given => given.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (!known.IsRead(key))
            {
                var from = origin is null ? "" : $" ({origin})";
                var suggestion = known.Closest(key) is { } closest ? $" (did you mean '{closest}'?)" : "";
                yield return $"setting '{key}'{from} is read by nothing{suggestion}";
            }
        }
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
