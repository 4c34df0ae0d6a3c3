using StreamAttention.Evaluation.WordNet;

namespace StreamAttention.Evaluation.Tests;

/// <summary>The WordNet set's builder on a few hand-written database lines, and the committed set against the builder's interests.</summary>
public sealed class WordNetTopicSetTests
{
    // Four-field pointers are "symbol offset pos source/target"; w_cnt is hexadecimal, p_cnt decimal.
    private const string Nouns = """
          1 This software and database is being provided to you, the LICENSEE, by Princeton University
        00000100 04 n 01 sport 0 000 | an active diversion requiring physical exertion
        00000200 04 n 02 baseball 0 baseball_game 0 001 @ 00000100 n 0000 | a ball game played with a bat and ball
        00000300 09 n 01 law 0 000 | the collection of rules imposed by authority
        00000400 04 n 01 double_play 0 001 ;c 00000200 n 0000 | (baseball) a play in which two runners are put out
        00000500 04 n 01 strike 0 001 ;c 00000200 n 0000 | a pitch that the batter swings at and misses
        00000600 21 n 01 plaintiff 0 001 ;c 00000300 n 0000 | a person who brings an action in a court of law
        00000700 04 n 01 referee 0 002 ;c 00000100 n 0000 ;c 00000300 n 0000 | an official who sees that rules are followed
        00000800 08 n 01 bench 0 001 ;c 00000900 n 0000 | (law) (often plural) the judges of a court
        00000900 09 n 01 court 0 000 | an assembly to conduct judicial business
        """;

    private const string Adjectives = """
        00001000 00 s 01 safe(p) 0 001 ;c 00000200 n 0000 | (baseball) having reached a base without being put out
        """;

    private static readonly TopicInterest[] Interests =
    [
        new("sport", "sports", "fan", ["n00000100"]),
        new("baseball", "baseball", "fan", ["n00000200"]),
        new("law", "legal cases", "clerk", ["n00000300"]),
    ];

    [Fact]
    public void Labels_follow_the_topic_domains_and_their_hypernyms()
    {
        var set = Build(perDomain: 10);

        var relevant = set.Messages.Select((m, i) => (m.Text, Relevant: string.Join(",", set.Relevant[i]))).ToDictionary(p => p.Text, p => p.Relevant);
        Assert.Equal("sport,baseball", relevant["double play: a play in which two runners are put out"]);
        Assert.Equal("sport,baseball", relevant["safe: having reached a base without being put out"]);
        Assert.Equal("law", relevant["plaintiff: a person who brings an action in a court of law"]);
        Assert.Equal("sport,law", relevant["referee: an official who sees that rules are followed"]);
        // A domain no interest names: in the set, relevant to nothing.
        Assert.Equal("", relevant["bench: the judges of a court"]);
        Assert.Equal(6, set.Messages.Count);
        Assert.Equal(["sport", "baseball", "law"], set.Interests.Select(i => i.Id));
    }

    [Fact]
    public void Takes_at_most_the_given_members_per_domain_and_builds_the_same_set_every_time()
    {
        var first = Build(perDomain: 1);
        var second = Build(perDomain: 1);

        // Four domains (sport, baseball, law, court), one member each; referee may stand for both sport and law.
        Assert.InRange(first.Messages.Count, 3, 4);
        Assert.Equal(first.Messages, second.Messages);
        Assert.Equal(first.Relevant.Select(r => string.Join(",", r)), second.Relevant.Select(r => string.Join(",", r)));
        Assert.Equal(first.Messages.Select((_, i) => $"w{i + 1}"), first.Messages.Select(m => m.Id));
    }

    [Fact]
    public void Rejects_interests_whose_domain_is_not_in_the_database()
    {
        var wordNet = Load();

        Assert.Throws<InvalidDataException>(() => TopicDomainSet.Build(wordNet, [new("x", "x", "u", ["n09999999"])], 10));
    }

    [Fact]
    public void Writes_the_four_files_with_a_stratified_split()
    {
        var directory = Directory.CreateTempSubdirectory().FullName;
        try
        {
            Build(perDomain: 10).Write(directory);

            var labels = RelevanceLabels.Load(Path.Combine(directory, "labels.jsonl"));
            Assert.Equal(6, labels.MessageIds.Count);
            Assert.Equal(5, labels.RelevantMessages("baseball").Count + labels.RelevantMessages("law").Count);
            Assert.Equal(3, EvalData.Interests(directory).Count);
            Assert.Equal(EvaluationSplit.Stratified(labels).SplitOfMessage.OrderBy(p => p.Key),
                EvaluationSplit.Load(Path.Combine(directory, EvaluationSplit.FileName)).SplitOfMessage.OrderBy(p => p.Key));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_committed_set_has_the_builders_interests()
    {
        var committed = EvalData.Interests(EvalData.SetDirectory("wordnet"));

        Assert.Equal(TopicInterests.All.Select(i => (i.Id, i.Text, i.UserId)), committed.Select(i => (i.Id, i.Text, i.UserId!)));
        Assert.All(TopicInterests.All, i => Assert.All(i.DomainKeys, key => Assert.Matches("^[nvar][0-9]{8}$", key)));
    }

    private static TopicDomainSet Build(int perDomain) => TopicDomainSet.Build(Load(), Interests, perDomain);

    private static WordNetDatabase Load()
    {
        var directory = Directory.CreateTempSubdirectory().FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "data.noun"), Nouns + "\n");
            File.WriteAllText(Path.Combine(directory, "data.adj"), Adjectives + "\n");
            File.WriteAllText(Path.Combine(directory, "data.verb"), "");
            File.WriteAllText(Path.Combine(directory, "data.adv"), "");
            return WordNetDatabase.Load(directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
