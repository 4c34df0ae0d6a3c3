using System.CommandLine;
using StreamAttention.Evaluation.WordNet;

namespace StreamAttention.Silo.Commands;

/// <summary>
/// <c>streamattention eval-data wordnet</c>: builds the WordNet topic-domain labelled set (tests/data/wordnet) from the
/// database files of Debian's wordnet-base package; tests/data/wordnet/build.sh downloads them and calls this.
/// </summary>
public static class EvalDataCommand
{
    /// <summary>Members taken from each topic domain: about 2,800 messages in all from WordNet 3.0.</summary>
    public const int DefaultPerDomain = 25;

    public static Command Create()
    {
        var wordNet = new Option<DirectoryInfo>("--wordnet") { Description = "directory with WordNet 3.0's data.noun, data.verb, data.adj, data.adv", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "directory to write interests.jsonl, messages.jsonl, labels.jsonl and split.jsonl into", Required = true };
        var perDomain = new Option<int>("--per-domain") { Description = "members taken from each topic domain", DefaultValueFactory = _ => DefaultPerDomain };
        var build = new Command("wordnet", "Build the labelled set whose labels are WordNet's own topic domains.") { wordNet, output, perDomain };
        build.SetAction(parse => Run(parse.GetValue(wordNet)!, parse.GetValue(output)!, parse.GetValue(perDomain), Console.Error));
        return new Command("eval-data", "Build labelled evaluation sets from public sources.") { build };
    }

    public static int Run(DirectoryInfo wordNetDirectory, DirectoryInfo outputDirectory, int perDomain, TextWriter log)
    {
        if (perDomain < 1)
        {
            log.WriteLine("eval-data: --per-domain must be at least 1");
            return 2;
        }
        TopicDomainSet set;
        try
        {
            set = TopicDomainSet.Build(WordNetDatabase.Load(wordNetDirectory.FullName), TopicInterests.All, perDomain);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            log.WriteLine($"eval-data: {e.Message}");
            return 2;
        }
        set.Write(outputDirectory.FullName);
        log.WriteLine($"eval-data: wrote {set.Interests.Count} interests, {set.Messages.Count} messages and " +
            $"{set.Relevant.Sum(r => r.Count)} relevant pairs to {outputDirectory.FullName}");
        return 0;
    }
}
