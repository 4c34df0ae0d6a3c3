using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration.CommandLine;
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
    /// The configuration every command reads with these arguments (<see cref="StreamAttentionHost.AddSources"/>), built
    /// once for the checks before any command runs; null when a settings file does not parse: the host that reads it then
    /// stops with the parser's error.
    /// </summary>
    public static ConfigurationManager? Read(IReadOnlyList<string> arguments)
    {
        var configuration = new ConfigurationManager();
        try
        {
            StreamAttentionHost.AddSources(configuration, arguments);
            return configuration;
        }
        catch (InvalidDataException)
        {
            configuration.Dispose();
            return null;
        }
    }

    /// <summary>
    /// One line per key that no setting reads, set by an override or a settings file of the configuration (its sources say
    /// which) or by an environment variable (<c>STREAMATTENTION_Section__Key</c>, or <c>Section__Key</c>), with the key it
    /// may be a typo of: a warning only, since a key missed here must not stop a deployment. A <c>STREAMATTENTION_</c>
    /// variable that separates a section with one underscore (<c>STREAMATTENTION_Scoring_DefaultThreshold</c>) sets a key
    /// under no section, which the host reads and nothing uses: it is warned about with the variable it means, as is a
    /// <c>Section__Key</c> variable whose prefix is a typo of <c>STREAMATTENTION_</c>. The variables Kubernetes sets for
    /// a Service (<c>STREAMATTENTION_INGEST_SERVICE_HOST</c> for one named streamattention-ingest) are no settings.
    /// Variables are taken by name from <paramref name="environment"/>: the configuration's providers keep the keys they
    /// set, not the variables' names.
    /// </summary>
    public static IEnumerable<string> UnreadSettings(ConfigurationManager configuration, IDictionary environment, SettingKeys known)
    {
        var variables = environment.Keys.Cast<string>().Where(variable => !KubernetesServiceVariable().IsMatch(variable)).Order(StringComparer.Ordinal).ToList();
        var fromEnvironment = variables.Select(variable => (Key: KeyOf(variable), Origin: (string?)$"environment variable {variable}"));
        var sources = ((IConfigurationBuilder)configuration).Sources.Zip(((IConfigurationRoot)configuration).Providers).Reverse().ToList();
        var fromArguments = sources.Where(source => source.First is CommandLineConfigurationSource)
            .SelectMany(source => KeysOf(source.Second).Select(key => (Key: key, Origin: (string?)null)));
        var fromFiles = sources.Where(source => source.First is FileConfigurationSource)
            .SelectMany(source => KeysOf(source.Second).Select(key => (Key: key, Origin: (string?)$"in {PathOf((FileConfigurationSource)source.First)}")));
        foreach (var (key, origin) in fromArguments.Concat(fromEnvironment).Concat(fromFiles).DistinctBy(given => given.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (!known.IsRead(key))
            {
                var from = origin is null ? "" : $" ({origin})";
                var suggestion = known.Closest(key) is { } closest ? $" (did you mean '{closest}'?)" : "";
                yield return $"setting '{key}'{from} is read by nothing{suggestion}";
            }
        }
        foreach (var variable in variables.Where(IsPrefixed))
        {
            var key = KeyOf(variable);
            var meant = Underscores().Replace(variable[StreamAttentionHost.EnvironmentPrefix.Length..], ":").Trim(':');
            if (!known.IsOwned(key) && known.IsOwned(meant))
            {
                var name = StreamAttentionHost.EnvironmentPrefix + (known.IsRead(meant) ? meant : known.Closest(meant) ?? meant).Replace(":", "__", StringComparison.Ordinal);
                yield return $"setting '{key}' (environment variable {variable}) is read by nothing (did you mean {name}?)";
            }
        }
        var prefix = StreamAttentionHost.EnvironmentPrefix.TrimEnd('_');
        foreach (var variable in variables.Where(variable => variable.Contains("__", StringComparison.Ordinal)))
        {
            var head = variable.Split('_')[0];
            if (SettingKeys.EditDistance(head, prefix) is > 0 and <= MisspeltPrefixDistance)
            {
                yield return $"environment variable {variable} is read by nothing: its prefix is not {StreamAttentionHost.EnvironmentPrefix} (did you mean {StreamAttentionHost.EnvironmentPrefix}{variable[(head.Length + 1)..]}?)";
            }
        }
    }

    /// <summary>Edits (in any case) that make a variable's first word a typo of the prefix, not a word of its own.</summary>
    private const int MisspeltPrefixDistance = 2;

    /// <summary>Every key a provider sets a value for, in order: its tree walked from the top, as the configuration walks it.</summary>
    private static IEnumerable<string> KeysOf(IConfigurationProvider provider, string? parent = null)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal))
        {
            var key = parent is null ? child : ConfigurationPath.Combine(parent, child);
            if (provider.TryGet(key, out var value) && value is not null)
            {
                yield return key;
            }
            foreach (var below in KeysOf(provider, key))
            {
                yield return below;
            }
        }
    }

    /// <summary>A settings file's full path, as the configuration resolved it.</summary>
    private static string? PathOf(FileConfigurationSource file) => file.FileProvider?.GetFileInfo(file.Path ?? "").PhysicalPath ?? file.Path;

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

    /// <summary>Underscores, one or more, where a section's separator (<c>__</c>) may have been meant.</summary>
    [GeneratedRegex("_+")]
    private static partial Regex Underscores();

    /// <summary>
    /// The variables Kubernetes sets in a pod for each Service (its name in capitals, dashes as underscores):
    /// <c>{SVC}_SERVICE_HOST</c>, <c>{SVC}_SERVICE_PORT</c>, <c>{SVC}_SERVICE_PORT_{NAME}</c>, <c>{SVC}_PORT</c> and
    /// <c>{SVC}_PORT_{port}_{PROTO}</c> with <c>_PROTO</c>, <c>_PORT</c> or <c>_ADDR</c> after it. Never with "__", a
    /// section's separator: a section's variable of this shape (<c>STREAMATTENTION_CLUSTER__SILO_PORT</c>) is the typo
    /// the check is for, while a Service named with "--" is rare (a port's name cannot have it).
    /// </summary>
    [GeneratedRegex("^(?!.*__)[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$")]
    private static partial Regex KubernetesServiceVariable();

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
