using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Evaluation.WordNet;

/// <summary>An interest of the WordNet set: what a user would type, and the topic-domain synsets whose members it wants.</summary>
public sealed record TopicInterest(string Id, string Text, string UserId, IReadOnlyList<string> DomainKeys);

/// <summary>
/// A labelled set built from WordNet's own topic domains: each message is a synset that WordNet files under a topic
/// domain (<c>;c</c> pointer), written as "word: gloss" (without the gloss's leading usage labels); it is relevant to an interest when one of its domains, or a
/// hypernym of one (baseball is a kind of sport), is among the interest's domain synsets. No pair is labelled by hand.
/// </summary>
public sealed class TopicDomainSet
{
    // Quotes and apostrophes as \" and ' rather than \u0022 and \u0027: the files are read in diffs too.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private TopicDomainSet(IReadOnlyList<InterestDefinition> interests, IReadOnlyList<MessageText> messages, IReadOnlyList<IReadOnlyList<string>> relevant)
    {
        Interests = interests;
        Messages = messages;
        Relevant = relevant;
    }

    public IReadOnlyList<InterestDefinition> Interests { get; }

    public IReadOnlyList<MessageText> Messages { get; }

    /// <summary>The interest ids each message (same index) is relevant to, in interest order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Relevant { get; }

    /// <summary>
    /// Takes up to <paramref name="perDomain"/> members of every topic domain (in the order of a hash of their keys, so
    /// the choice is fixed but not alphabetical), labels them, and numbers the messages in that hash order.
    /// </summary>
    public static TopicDomainSet Build(WordNetDatabase wordNet, IReadOnlyList<TopicInterest> interests, int perDomain)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perDomain, 1);
        var unknown = interests.SelectMany(i => i.DomainKeys).Where(key => !wordNet.Synsets.ContainsKey(key)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"Interest domains not in this WordNet: {string.Join(", ", unknown)}.");
        }

        var members = wordNet.Synsets.Values
            .SelectMany(synset => DomainsOf(synset).Select(domain => (Domain: domain, Member: synset)))
            .GroupBy(pair => pair.Domain, pair => pair.Member, StringComparer.Ordinal);
        var chosen = members
            .SelectMany(group => group.OrderBy(member => HashOrder(member.Key), StringComparer.Ordinal).Take(perDomain))
            .DistinctBy(member => member.Key)
            .OrderBy(member => HashOrder(member.Key), StringComparer.Ordinal)
            .ToList();

        var ancestors = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        var messages = new List<MessageText>(chosen.Count);
        var relevant = new List<IReadOnlyList<string>>(chosen.Count);
        var width = chosen.Count.ToString().Length;
        foreach (var synset in chosen)
        {
            var topics = DomainsOf(synset).SelectMany(domain => Ancestors(wordNet, domain, ancestors)).ToHashSet(StringComparer.Ordinal);
            messages.Add(new MessageText($"w{(messages.Count + 1).ToString().PadLeft(width, '0')}", $"{Lemma(synset.Words[0])}: {WithoutUsageLabels(synset.Gloss)}"));
            relevant.Add(interests.Where(interest => interest.DomainKeys.Any(topics.Contains)).Select(interest => interest.Id).ToList());
        }
        return new TopicDomainSet(interests.Select(i => new InterestDefinition(i.Id, i.Text, i.UserId)).ToList(), messages, relevant);
    }

    /// <summary>Writes interests.jsonl, messages.jsonl, labels.jsonl and the stratified split.jsonl into <paramref name="directory"/>.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        WriteLines(Path.Combine(directory, "interests.jsonl"), Interests.Select(i => JsonSerializer.Serialize(i, Json)));
        WriteLines(Path.Combine(directory, "messages.jsonl"), Messages.Select(m => JsonSerializer.Serialize(m, Json)));
        var labelsPath = Path.Combine(directory, "labels.jsonl");
        WriteLines(labelsPath, Messages.Select((m, index) => JsonSerializer.Serialize(new { id = m.Id, relevant = Relevant[index] }, Json)));
        using var split = new StreamWriter(Path.Combine(directory, EvaluationSplit.FileName)) { NewLine = "\n" };
        EvaluationSplit.Stratified(RelevanceLabels.Load(labelsPath)).Write(split);
    }

    private static void WriteLines(string path, IEnumerable<string> lines)
    {
        using var writer = new StreamWriter(path) { NewLine = "\n" };
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }

    private static IEnumerable<string> DomainsOf(Synset synset) =>
        synset.Pointers.Where(p => p.Symbol == SynsetPointer.TopicDomain).Select(p => p.TargetKey).Distinct(StringComparer.Ordinal);

    /// <summary>The domain and every synset above it along hypernym and instance-hypernym pointers.</summary>
    private static IReadOnlySet<string> Ancestors(WordNetDatabase wordNet, string domain, Dictionary<string, IReadOnlySet<string>> cache)
    {
        if (cache.TryGetValue(domain, out var known))
        {
            return known;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([domain]);
        while (pending.TryPop(out var key))
        {
            if (seen.Add(key) && wordNet.Synsets.TryGetValue(key, out var synset))
            {
                foreach (var pointer in synset.Pointers.Where(p => p.Symbol is SynsetPointer.Hypernym or SynsetPointer.InstanceHypernym))
                {
                    pending.Push(pointer.TargetKey);
                }
            }
        }
        return cache[domain] = seen;
    }

    /// <summary>
    /// The gloss without the parenthesised labels it may start with: "(baseball) a hit that ..." names the very domain
    /// the message is labelled with, which no real message would carry.
    /// </summary>
    private static string WithoutUsageLabels(string gloss)
    {
        while (gloss.StartsWith('(') && gloss.IndexOf(')') is var close and > 0)
        {
            gloss = gloss[(close + 1)..].TrimStart();
        }
        return gloss;
    }

    private static string HashOrder(string key) => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(key)));

    /// <summary>"double_play" → "double play"; adjectives' position markers such as "(a)" or "(ip)" are dropped.</summary>
    private static string Lemma(string word)
    {
        var marker = word.IndexOf('(');
        return (marker > 0 && word.EndsWith(')') ? word[..marker] : word).Replace('_', ' ');
    }
}
