using System.ComponentModel;
using System.Reflection;
using Orleans.Configuration;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.EmbeddedKafka.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// The configuration keys StreamAttention reads, taken from the code: every options class with a <c>SectionName</c>
/// constant that some command binds, walked as the configuration binder binds it (a dictionary takes any key, a collection
/// any index, and below either what its items bind), and the few keys read without an options class of ours. Keys compare
/// in any case, as the configuration's do.
/// </summary>
public sealed class SettingKeys
{
    /// <summary>A segment standing for a collection's index, written <c>N</c>.</summary>
    private const string AnyIndex = "[index]";

    /// <summary>A segment standing for a dictionary's key, written <c>*</c>.</summary>
    private const string AnyKey = "[key]";

    /// <summary>Sections bound to options that are not ours (Orleans'), so have no <c>SectionName</c> to find.</summary>
    private static readonly (string Section, Type Options)[] ForeignSections =
        [(SiloClusterOptions.MembershipSectionName, typeof(ClusterMembershipOptions))];

    /// <summary>Keys read from the configuration by name rather than bound to options.</summary>
    private static readonly string[] DirectlyReadKeys = [StreamAttentionHost.ProviderSetting];

    /// <summary>
    /// Sections of ours that no command binds: EmbeddedKafka is the library's, for a host of one's own; kafka-dev and local
    /// mode start their cluster from their options (--brokers, --partitions). Owned, so that a key there is warned about.
    /// </summary>
    private static readonly string[] UnboundSections = [EmbeddedKafkaOptions.SectionName];

    private readonly List<KeyPattern> _patterns = [];
    private readonly List<(string[] Section, Type Options)> _sections = [];
    private readonly HashSet<string> _roots = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The keys of every StreamAttention assembly the executable references.</summary>
    public static SettingKeys OfStreamAttention { get; } = new(SectionsIn(typeof(SettingKeys).Assembly).Concat(ForeignSections), DirectlyReadKeys);

    private SettingKeys(IEnumerable<(string Section, Type Options)> sections, IEnumerable<string> keys)
    {
        foreach (var (section, options) in sections)
        {
            if (UnboundSections.Contains(section, StringComparer.OrdinalIgnoreCase))
            {
                _roots.Add(section.Split(':')[0]);
            }
            else
            {
                _sections.Add((section.Split(':'), options));
                AddKeysOf(section.Split(':'), options, []);
            }
        }
        foreach (var key in keys)
        {
            Add(new KeyPattern(key.Split(':'), ValueType: null));
        }
    }

    /// <summary>
    /// Every known key as the options tables write it: <c>N</c> for a collection's index, <c>*</c> for a dictionary's key.
    /// </summary>
    public IEnumerable<string> Keys => _patterns.Select(pattern => pattern.Written);

    /// <summary>
    /// The value a key takes when nothing sets it: the property's value in a new instance of its options class (so what its
    /// initializer or constructor gives, not what a post-configuration derives); null for a key below a dictionary or a
    /// collection, a key read by name, or an options class without a parameterless constructor.
    /// </summary>
    public object? DefaultOf(string key)
    {
        var segments = key.Split(':');
        // The longest section first: Ingest:Tenancy's options, not a property Tenancy of Ingest's.
        foreach (var (section, options) in _sections.OrderByDescending(bound => bound.Section.Length))
        {
            if (segments.Length > section.Length && section.Select((segment, i) => string.Equals(segment, segments[i], StringComparison.OrdinalIgnoreCase)).All(same => same)
                && options.GetConstructor(Type.EmptyTypes) is not null)
            {
                var value = Activator.CreateInstance(options);
                foreach (var name in segments.Skip(section.Length))
                {
                    value = value?.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.GetValue(value);
                }
                return value;
            }
        }
        return null;
    }

    /// <summary>Whether the key is under a root section StreamAttention owns (Scoring, Cluster, …), so that it is checked at all.</summary>
    public bool IsOwned(string key) => _roots.Contains(key.Split(':')[0]);

    /// <summary>Whether some setting reads the key; a key under a root section StreamAttention does not own always is.</summary>
    public bool IsRead(string key)
    {
        var segments = key.Split(':');
        return !IsOwned(key) || _patterns.Exists(pattern => pattern.Matches(segments));
    }

    /// <summary>The known key nearest the key (edit distance in any case) when near enough to be a typo of it; else null.</summary>
    public string? Closest(string key)
    {
        var segments = key.Split(':');
        var (nearest, distance) = _patterns
            .Select(pattern => pattern.Render(segments))
            .Select(known => (Key: known, Distance: EditDistance(key, known)))
            // Distance 0: suggesting the key back says nothing.
            .Where(candidate => candidate.Distance > 0)
            .OrderBy(candidate => candidate.Distance).ThenBy(candidate => candidate.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        return nearest is not null && (distance <= 3 || distance * 3 <= key.Length) ? nearest : null;
    }

    /// <summary>
    /// The first value set under a section of ours that does not convert to the type its key binds to (<c>50ms</c> for a
    /// time span, <c>yes</c> for a bool), as what it is and what the key takes; null when every value converts. Checked
    /// before any command runs: the binder refuses such a value only where and when its options are bound, and some are
    /// bound late or by one command only.
    /// </summary>
    public string? FirstValueThatDoesNotConvert(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.AsEnumerable().Where(setting => setting.Value is not null).OrderBy(setting => setting.Key, StringComparer.Ordinal))
        {
            if (_patterns.Find(pattern => pattern.Matches(key.Split(':')))?.ValueType is { } type)
            {
                try
                {
                    // As the binder converts it, with the binder's own conversion.
                    configuration.GetValue(type, key);
                }
                catch (InvalidOperationException)
                {
                    return $"{key} is '{value}'; it takes {AcceptedFormat(Nullable.GetUnderlyingType(type) ?? type)}";
                }
            }
        }
        return null;
    }

    private static string AcceptedFormat(Type type) => type switch
    {
        _ when type == typeof(TimeSpan) => "a time span written [d.]hh:mm:ss[.fffffff] (00:00:00.050 for 50 ms, 1.00:00:00 for a day)",
        _ when type == typeof(bool) => "true or false",
        { IsEnum: true } => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(float) || type == typeof(double) || type == typeof(decimal) => "a number with a point for decimals (0.75)",
        _ when type.IsPrimitive => "a whole number",
        _ => $"a {type.Name}",
    };

    private void Add(KeyPattern pattern)
    {
        _patterns.Add(pattern);
        _roots.Add(pattern.Segments[0]);
    }

    /// <summary>As ConfigurationBinder binds: a value (what converts from a string) is a key, a dictionary takes any key and
    /// a collection any index (each with what its items bind below), and an object its public settable properties.</summary>
    private void AddKeysOf(string[] path, Type type, HashSet<Type> enclosing)
    {
        if (IsValue(type))
        {
            Add(new KeyPattern(path, type));
        }
        else if ((Implements(type, typeof(IDictionary<,>)) ?? Implements(type, typeof(IReadOnlyDictionary<,>))) is { } dictionary)
        {
            AddKeysOf([.. path, AnyKey], dictionary.GetGenericArguments()[1], enclosing);
        }
        else if ((type.IsArray ? type.GetElementType() : Implements(type, typeof(IEnumerable<>))?.GetGenericArguments()[0]) is { } element)
        {
            AddKeysOf([.. path, AnyIndex], element, enclosing);
        }
        else if (enclosing.Add(type))
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                // Only what can be set: a computed property (KafkaIngestOptions.EffectiveInputTopics) is no setting.
                if (property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true } && property.SetMethod is { IsPublic: true })
                {
                    AddKeysOf([.. path, property.Name], property.PropertyType, enclosing);
                }
            }
            // Only the types around this one stop a cycle: a type may be bound at several places.
            enclosing.Remove(type);
        }
    }

    private static bool IsValue(Type type)
        => TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string));

    private static Type? Implements(Type type, Type generic)
        => type.IsGenericType && type.GetGenericTypeDefinition() == generic
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);

    /// <summary>Each options class's section: its <c>public const string SectionName</c>, in the assembly and the StreamAttention assemblies it references.</summary>
    private static IEnumerable<(string Section, Type Options)> SectionsIn(Assembly executable)
    {
        var found = new HashSet<string>(StringComparer.Ordinal) { executable.FullName! };
        var pending = new Stack<Assembly>([executable]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var type in assembly.GetTypes())
            {
                if (ValidatedConfiguration.SectionNameOf(type) is { } section)
                {
                    yield return (section, type);
                }
            }
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name!.StartsWith("StreamAttention.", StringComparison.Ordinal) && found.Add(reference.FullName))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }
    }

    /// <summary>Levenshtein distance, comparing characters in any case.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + substitution);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>
    /// A known key by segments, <see cref="AnyIndex"/> and <see cref="AnyKey"/> standing for any one; with the type its
    /// value binds to (null for a key read by name, <see cref="DirectlyReadKeys"/>).
    /// </summary>
    private sealed record KeyPattern(string[] Segments, Type? ValueType)
    {
        public bool Matches(string[] key)
            => key.Length == Segments.Length
                && Segments.Select((segment, i) => segment is AnyIndex or AnyKey || string.Equals(segment, key[i], StringComparison.OrdinalIgnoreCase)).All(match => match);

        /// <summary>The pattern as the options tables write a key (<see cref="Keys"/>).</summary>
        public string Written => string.Join(':', Segments.Select(segment => segment switch { AnyIndex => "N", AnyKey => "*", _ => segment }));

        /// <summary>The pattern as a key to suggest for <paramref name="key"/>: its index and a dictionary's keys are the key's own.</summary>
        public string Render(string[] key)
            => string.Join(':', Segments.Select((segment, i) => segment switch
            {
                AnyIndex or AnyKey when i < key.Length => key[i],
                AnyIndex => "0",
                AnyKey => "*",
                _ => segment,
            }));
    }
}
