using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--nearest</c>: what the interest expansion's nearest-word search (<see cref="NearestWords"/>) costs per interest,
/// against the search it replaced (a dot product per candidate and interest, kept here as the reference), alternately in
/// <c>--repetitions</c> rounds over the ingest benchmark's <c>--interests</c> phrases, in groups and one at a time, and on which interests the two
/// choose other words: those phrases and both labelled sets' interests. MiniLM runs once, before the rounds.
/// </summary>
internal static class NearestWordsBenchmark
{
    /// <summary>Interests per search as <see cref="InterestExpansion"/> groups them.</summary>
    private const int Group = 32;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var options = new DistilledModelOptions();
        var miniLmOptions = new MiniLmOptions();
        var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
        var files = await new DistilledModelSetup(new MiniLmModelSetup(), new WordVectorModelSetup(), sessions).EnsureAsync(options, miniLmOptions, new WordVectorOptions());
        var expansionFiles = files.Expansion ?? throw new InvalidOperationException("The distilled model has no sentence map.");
        using var plain = new DistilledEmbedder(DistilledTokenTable.Load(files.TablePath, files.InputsKey), files.VocabularyPath, options);
        using var miniLm = expansionFiles.MiniLm.CreateEmbedder(miniLmOptions, sessions, logger: null);
        var projection = SentenceProjection.Load(expansionFiles.Path, expansionFiles.InputsKey);

        // The candidates as InterestExpansion keeps them: words of one token with a positive weight.
        var candidates = plain.Embed(plain.ExpansionCandidates());
        var kept = Enumerable.Range(0, candidates.Count).Where(i => candidates.TokenCount(i) == 1 && candidates.TokenWeights[i * candidates.Tokens] > 0).ToArray();
        var words = Array.ConvertAll(kept, i => candidates.TokenTexts[i][0]);
        var vectors = kept.SelectMany(i => candidates.TokenVector(i, 0).ToArray()).ToArray();
        var d = plain.Dimension;

        var phrases = Keys(BenchmarkCorpus.Load(BenchmarkWorkload.Disjoint).KnownPhrases(plain, settings.Interests));
        var data = BenchmarkCorpus.DataDirectory();
        var labelled = Keys(File.ReadLines(Path.Combine(data, "eval", "interests.jsonl")).Concat(File.ReadLines(Path.Combine(data, "wordnet", "interests.jsonl")))
            .Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToArray());

        using var defaultThreads = new NearestWords(vectors, words, d, sessions);
        using var oneThread = new NearestWords(vectors, words, d, new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 }));
        (string Name, Func<float[], string[][], (int Word, float Similarity)[][]> Search)[] variants =
        [
            ("per-pair loop (before)", (keys, own) => InGroups(keys, own, Group, (k, o) => PerPair(vectors, words, d, k, o, options.ExpansionWords))),
            .. new[] { 32, 64, 128 }.Select(group => ($"matrix product, groups of {group}, default threads",
                (Func<float[], string[][], (int, float)[][]>)((keys, own) => InGroups(keys, own, group, (k, o) => defaultThreads.Find(k, o, options.ExpansionWords))))),
            ($"matrix product, groups of {Group}, 1 thread", (keys, own) => InGroups(keys, own, Group, (k, o) => oneThread.Find(k, o, options.ExpansionWords))),
            // As a user grain's write of one new interest searches.
            ("per-pair loop, one interest at a time (before)", (keys, own) => InGroups(keys, own, 1, (k, o) => PerPair(vectors, words, d, k, o, options.ExpansionWords))),
            ("matrix product, one interest at a time, default threads", (keys, own) => InGroups(keys, own, 1, (k, o) => defaultThreads.Find(k, o, options.ExpansionWords))),
        ];

        Console.WriteLine($"# nearest words: {words.Length:N0} candidates × d={d}, {phrases.Own.Length:N0} phrases and {labelled.Own.Length} labelled interests, " +
            $"{options.ExpansionWords} words each, {Environment.ProcessorCount} cores, load {Load()}, {settings.Repetitions} rounds alternating");
        foreach (var (name, set) in new[] { ("phrases", phrases), ("labelled sets' interests", labelled) })
        {
            var before = variants[0].Search(set.Keys, set.Own);
            var after = variants[1].Search(set.Keys, set.Own);
            var differ = Enumerable.Range(0, before.Length).Where(i => !before[i].Select(w => w.Word).SequenceEqual(after[i].Select(w => w.Word))).ToArray();
            var gap = differ.Length == 0 ? 0 : differ.Max(i => before[i].Zip(after[i]).Max(pair => Math.Abs(pair.First.Similarity - pair.Second.Similarity)));
            Console.WriteLine($"# {name}: {differ.Length} of {before.Length} choose other words than the per-pair loop (largest score difference between the words in their places: {gap:G3})");
            foreach (var i in differ.Take(5))
            {
                Console.WriteLine($"#   [{string.Join(' ', set.Own[i])}]: before {Describe(before[i], words)}; after {Describe(after[i], words)}");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| search | round | µs CPU per interest | µs wall per interest |");
        Console.WriteLine("|---|---|---|---|");
        var process = Process.GetCurrentProcess();
        for (var round = 1; round <= settings.Repetitions; round++)
        {
            foreach (var (name, search) in variants)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                search(phrases.Keys, phrases.Own);
                wall.Stop();
                process.Refresh();
                var n = phrases.Own.Length;
                Console.WriteLine($"| {name} | {round} | {(process.TotalProcessorTime - cpu).TotalMicroseconds / n:F0} | {wall.Elapsed.TotalMicroseconds / n:F0} |");
            }
        }
        Console.WriteLine($"# load {Load()} at the end");

        // The interests with a known word, each as InterestExpansion.Find maps it: keys [n, d] and own words.
        (float[] Keys, string[][] Own) Keys(string[] texts)
        {
            var embedded = plain.Embed(texts);
            var sentences = SentenceEmbeddings.Pooled(miniLm, texts);
            var keys = new List<float>();
            var own = new List<string[]>();
            var key = new float[d];
            for (var i = 0; i < texts.Length; i++)
            {
                if (embedded.TokenCount(i) > 0 && projection.Project(sentences.AsSpan(i * projection.From, projection.From), key))
                {
                    keys.AddRange(key);
                    own.Add(embedded.TokenTexts[i]);
                }
            }
            return (keys.ToArray(), own.ToArray());
        }
    }

    private static (int Word, float Similarity)[][] InGroups(float[] keys, string[][] own, int group, Func<float[], string[][], (int Word, float Similarity)[][]> search)
    {
        var d = keys.Length / own.Length;
        return own.Chunk(group).Select((chunk, g) => search(keys.AsSpan(g * group * d, chunk.Length * d).ToArray(), chunk)).SelectMany(found => found).ToArray();
    }

    /// <summary>The search before <see cref="NearestWords"/> (main at 7d738ba): a dot product per candidate and key, an insertion list per key.</summary>
    private static (int Word, float Similarity)[][] PerPair(float[] vectors, string[] words, int d, float[] keys, string[][] ownWords, int count)
    {
        var nearest = ownWords.Select(_ => new List<(int Word, float Similarity)>(count + 1)).ToArray();
        var own = ownWords.Select(w => new HashSet<string>(w, StringComparer.OrdinalIgnoreCase)).ToArray();
        for (var w = 0; w < words.Length; w++)
        {
            var vector = vectors.AsSpan(w * d, d);
            for (var k = 0; k < nearest.Length; k++)
            {
                var similarity = TensorPrimitives.Dot(vector, keys.AsSpan(k * d, d));
                var best = nearest[k];
                if (similarity <= 0 || (best.Count == count && similarity <= best[^1].Similarity) || own[k].Contains(words[w]))
                {
                    continue;
                }
                var at = best.Count;
                while (at > 0 && best[at - 1].Similarity < similarity)
                {
                    at--;
                }
                best.Insert(at, (w, similarity));
                if (best.Count > count)
                {
                    best.RemoveAt(count);
                }
            }
        }
        return nearest.Select(best => best.ToArray()).ToArray();
    }

    private static string Describe((int Word, float Similarity)[] found, string[] words) => string.Join(", ", found.Select(f => $"{words[f.Word]} {f.Similarity:F7}"));

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
