using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

[Collection(DistilledModelCollection.Name)]
public sealed class DistilledEmbedderTests(DistilledModelFixture model)
{
    [Fact]
    public async Task Setup_distils_once_with_progress_and_a_table_that_records_its_inputs()
    {
        Assert.Equal(1.0, model.Progress[^1], 6);
        Assert.True(model.Progress.Count > 3);
        Assert.Equal(30_522, model.Table.Count);
        Assert.Equal(64, model.Table.Dimension);
        Assert.Contains("limit 5000", model.Files.InputsKey);
        Assert.Contains($"table v{DistilledTokenTable.FormatVersion}", model.Files.InputsKey);
        Assert.Empty(model.Table.Words);
        Assert.False(model.Table.HasVector(101), "[CLS] has no vector");
        Assert.False(model.Table.HasVector(7_809), "'database' is past the limit");
        Assert.Equal(1, TensorPrimitives.Norm(model.Table.Vector(2_482)), 4);

        var written = File.GetLastWriteTimeUtc(model.Files.TablePath);
        var fitted = File.GetLastWriteTimeUtc(model.Files.Expansion!.Path);
        var again = await model.Setup.EnsureAsync(model.Options, new MiniLmOptions(), new WordVectorOptions());
        Assert.Equal(model.Files, again);
        Assert.Equal(written, File.GetLastWriteTimeUtc(model.Files.TablePath));
        Assert.Equal(fitted, File.GetLastWriteTimeUtc(model.Files.Expansion.Path));
        Assert.Throws<InvalidDataException>(() => DistilledTokenTable.Load(model.Files.TablePath, "other inputs"));
        Assert.StartsWith(model.Files.InputsKey, model.Files.Expansion.InputsKey);
        // The map is fitted on the candidates that are not stop words: another list fits another map.
        Assert.EndsWith($" stop {EnglishStopWords.Key}", model.Files.Expansion.InputsKey);
        var map = SentenceProjection.Load(model.Files.Expansion.Path, model.Files.Expansion.InputsKey);
        Assert.Equal((384, 64), (map.From, map.To));
        Assert.Throws<InvalidDataException>(() => SentenceProjection.Load(model.Files.Expansion.Path, "other inputs"));
    }

    [Fact]
    public async Task A_table_or_map_changed_since_setup_is_prepared_again_with_the_reason_logged()
    {
        using var cache = new TemporaryDirectory();
        var options = new DistilledModelOptions { ModelDirectory = cache.Path, VocabularyLimit = 5_000, Dimension = 16, MaxTokens = 8, WholeWords = 0 };
        var logger = new ListLogger<DistilledModelSetup>();
        var setup = new DistilledModelSetup(new MiniLmModelSetup(), new WordVectorModelSetup(), new OnnxSessionFactory(new OnnxRuntimeOptions()), logger);
        var files = await setup.EnsureAsync(options, new MiniLmOptions(), new WordVectorOptions());
        var table = DistilledTokenTable.Load(files.TablePath, files.InputsKey);
        var map = SentenceProjection.Load(files.Expansion!.Path, files.Expansion.InputsKey).Values.ToArray();

        // A table cut short (setup reported it ready and every command then failed reading it), a map with bytes flipped.
        ModelCacheFiles.Truncate(files.TablePath, new FileInfo(files.TablePath).Length / 2);
        ModelCacheFiles.Alter(files.Expansion.Path, new FileInfo(files.Expansion.Path).Length - 1_000, 500, b => (byte)~b);
        var again = await setup.EnsureAsync(options, new MiniLmOptions(), new WordVectorOptions());

        Assert.Equal(files, again);
        var repaired = DistilledTokenTable.Load(again.TablePath, again.InputsKey);
        Assert.Equal(table.Weights, repaired.Weights);
        Assert.True(TensorPrimitives.Distance(table.Vectors, repaired.Vectors) < 1e-3);
        Assert.True(TensorPrimitives.Distance(map, SentenceProjection.Load(again.Expansion!.Path, again.Expansion.InputsKey).Values) < 1e-3);
        Assert.Contains(logger.Messages, m => m.Contains(files.TablePath) && m.Contains("SHA-256"));
        Assert.Contains(logger.Messages, m => m.Contains(files.Expansion.Path) && m.Contains("SHA-256"));
    }

    /// <summary>
    /// The cluster's model check compares identities: a table distilled with other settings (here fewer pieces, fewer
    /// dimensions, no whole words) is another model, while the default settings' table keeps its name, as the builds
    /// before compared it, so a default installation rolls.
    /// </summary>
    [Fact]
    public void Tables_distilled_with_other_settings_are_told_apart_and_the_default_one_is_known_by_its_name()
    {
        using var tests = Distilled(model.Table.InputsKey);
        using var otherSif = Distilled(DistilledModelSetup.InputsKey(new DistilledModelOptions { VocabularyLimit = 5_000, Dimension = 64, WholeWords = 0, SifA = 1e-3 }));
        using var byDefault = Distilled(DistilledModelSetup.InputsKey(new DistilledModelOptions()));

        Assert.Equal((tests.Name, tests.Name), (otherSif.Name, byDefault.Name));
        Assert.Matches("^minilm-distilled-64d #[0-9a-f]{16}$", tests.Identity);
        Assert.NotEqual(tests.Identity, otherSif.Identity);
        Assert.Equal(byDefault.Name, byDefault.Identity);
    }

    /// <summary>
    /// Words past <c>MaxTokens</c> are cut from an interest and start another window of a message, so a long text
    /// embeds otherwise: silos that keep other counts are told apart, while the default count adds nothing.
    /// </summary>
    [Fact]
    public void The_words_kept_per_text_are_part_of_the_identity_where_they_are_not_the_default()
    {
        var defaultInputs = DistilledModelSetup.InputsKey(new DistilledModelOptions());
        using var byDefault = Distilled(defaultInputs);
        using var fewerWords = Distilled(defaultInputs, maxTokens: 1);
        using var tests = Distilled(model.Table.InputsKey, model.Options.MaxTokens);
        const string text = "a car on the road to the music of legs";

        Assert.NotEqual(byDefault.Embed([text]).PooledVector(0).ToArray(), fewerWords.Embed([text]).PooledVector(0).ToArray());
        Assert.Equal("minilm-distilled-64d", byDefault.Identity);
        Assert.Equal("minilm-distilled-64d max-tokens 1", fewerWords.Identity);
        Assert.Matches("^minilm-distilled-64d #[0-9a-f]{16} max-tokens 8$", tests.Identity);
    }

    /// <summary>The fixture's table known by <paramref name="inputsKey"/>, as the cluster's model check reads it.</summary>
    private ITextEmbedder Distilled(string inputsKey, int maxTokens = 64)
    {
        var table = model.Table;
        return new DistilledEmbedder(new DistilledTokenTable(inputsKey, table.Vectors, table.Weights, table.Dimension, table.Words, table.WordVectors),
            model.Files.VocabularyPath, new DistilledModelOptions { MaxTokens = maxTokens });
    }

    [Fact]
    public void A_paraphrase_is_closer_than_an_unrelated_text()
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);

        var batch = embedder.Embed([
            "the car engine stopped on the highway",
            "my vehicle failed on the road",
            "she sang a song at the music concert",
        ]);

        var paraphrase = TensorPrimitives.Dot(batch.PooledVector(0), batch.PooledVector(1));
        var unrelated = TensorPrimitives.Dot(batch.PooledVector(0), batch.PooledVector(2));
        Assert.True(paraphrase > unrelated + 0.1f, $"paraphrase {paraphrase}, unrelated {unrelated}");
    }

    [Fact]
    public void Tokens_are_whole_words_without_stop_words_or_punctuation_with_unit_vectors_and_weights()
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);

        var batch = embedder.Embed(["The Car, and roads!", "", "road database"]);

        Assert.Equal(["car", "roads"], batch.TokenTexts[0]);
        for (var token = 0; token < 2; token++)
        {
            Assert.Equal(1, TensorPrimitives.Norm(batch.TokenVector(0, token)), 4);
            Assert.InRange(batch.TokenWeights[token], 1e-6f, 1f);
        }
        Assert.Equal(1, TensorPrimitives.Norm(batch.PooledVector(0)), 4);
        Assert.Empty(batch.TokenTexts[1]);
        Assert.All(batch.PooledVector(1).ToArray(), x => Assert.Equal(0, x));
        Assert.Equal(1, batch.UnknownWords[2]);
        Assert.Equal(["road"], batch.TokenTexts[2]);
        Assert.Equal(0, embedder.Embed([]).Count);
    }

    [Fact]
    public void Spelled_out_counts_are_stop_words_and_numerals_are_weighted_tokens()
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);

        var batch = embedder.Embed(["having two or more legs", "one of three", "error 500"]);

        Assert.Equal(["legs"], batch.TokenTexts[0]);
        Assert.Empty(batch.TokenTexts[1]);
        var numeral = Array.IndexOf(batch.TokenTexts[2], "500");
        Assert.True(numeral >= 0, $"tokens {string.Join(' ', batch.TokenTexts[2])}");
        Assert.InRange(batch.TokenWeights[2 * batch.Tokens + numeral], 1e-3f, 1f);
    }

    [Theory]
    [InlineData("The Car,\nand\troads!")]
    [InlineData("The\r\nCar,\vand\froads!\n")]
    [InlineData("The\u0085Car,\u0000and\u001froads!")]
    public void Line_breaks_tabs_and_other_control_characters_separate_words_as_spaces_do(string text)
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);

        var batch = embedder.Embed([text, "The Car, and roads!"]);

        Assert.Equal(["car", "roads"], batch.TokenTexts[0]);
        Assert.Equal(batch.PooledVector(1).ToArray(), batch.PooledVector(0).ToArray());
    }

    [Fact]
    public void Accented_words_are_embedded_alike_whether_precomposed_or_decomposed()
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);

        var batch = embedder.Embed(["\u00C9chec de la r\u00E9plication", "E\u0301chec de la re\u0301plication"]);

        Assert.Equal("echec", batch.TokenTexts[0][0]);
        Assert.Equal(batch.TokenTexts[0], batch.TokenTexts[1]);
        Assert.Equal(batch.PooledVector(0).ToArray(), batch.PooledVector(1).ToArray());
    }

    [Theory]
    [InlineData("\uFF23\uFF41\uFF52 roads", "car roads")]
    [InlineData("ca\u200Dr ro\u00ADads", "car roads")]
    [InlineData("\u200Fcar\u200F \u2066roads\u2069", "car roads")]
    [InlineData("Stra\u00DFe ROADS", "strasse roads")]
    public void Words_fold_as_the_lexical_words_do_full_width_invisible_characters_and_case_included(string text, string plain)
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);

        var batch = embedder.Embed([text, plain]);

        Assert.Equal(plain.Split(' '), batch.TokenTexts[0]);
        Assert.Equal(batch.PooledVector(1).ToArray(), batch.PooledVector(0).ToArray());
    }

    [Fact]
    public void Interests_are_expanded_with_words_nearest_their_sentence_embedding_and_messages_are_not()
    {
        // The table's own pooled vectors stand in for MiniLM's sentence embeddings: the map fitted is then near the identity.
        var sentences = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        using var plain = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, new DistilledModelOptions { ExpansionWords = 3 }, sentences,
            SentenceProjectionSetup.Fit(plain, sentences), new OnnxSessionFactory(new OnnxRuntimeOptions()));

        var messages = embedder.Embed(["car road", "music"]);
        var interests = embedder.EmbedQueries(["car road", "music"]);

        Assert.Equal(plain.Embed(["car road", "music"]).TokenVectors, messages.TokenVectors);
        Assert.Equal(5, interests.TokenCount(0));
        Assert.Equal(["car", "road"], interests.TokenTexts[0][..2]);
        Assert.DoesNotContain("car", interests.TokenTexts[0][2..]);
        Assert.DoesNotContain("road", interests.TokenTexts[0][2..]);
        Assert.Equal(["music"], interests.TokenTexts[1][..1]);
        Assert.True(TensorPrimitives.Dot(interests.PooledVector(0), messages.PooledVector(0)) > 0.95f);
        var ownMean = (messages.TokenWeights[0] + messages.TokenWeights[1]) / 2;
        Assert.InRange(interests.TokenWeights[2], 0.01f * ownMean, ownMean);
        Assert.Equal(messages.TokenWeights.AsSpan(0, 2).ToArray(), interests.TokenWeights.AsSpan(0, 2).ToArray());
        Assert.Equal(0, embedder.EmbedQueries([]).Count);
    }

    [Fact]
    public void Fitting_the_sentence_map_after_a_stop_runs_no_sentence_model_and_throws_the_cancellation()
    {
        // A stop while silo, local or setup prepares the model: the fit (seconds of MiniLM runs) ends at its next run.
        using var plain = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        var sentences = new RecordingEmbedder(new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options));

        Assert.ThrowsAny<OperationCanceledException>(() => SentenceProjectionSetup.Fit(plain, sentences, new CancellationToken(canceled: true)));
        Assert.Empty(sentences.Calls);
    }

    [Fact]
    public void The_first_interest_runs_the_sentence_model_on_its_own_text_and_fits_nothing()
    {
        // The map comes fitted (from the model pack's file): the first interest written must not pay the fit's
        // thousands of words through MiniLM inside a user grain's turn.
        using var plain = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        var projection = SentenceProjectionSetup.Fit(plain, plain);
        var sentences = new RecordingEmbedder(new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options));
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options, sentences, projection, new OnnxSessionFactory(new OnnxRuntimeOptions()));
        Assert.Empty(sentences.Calls);

        var first = embedder.EmbedQueries(["car road"]);
        embedder.Embed(["music"]);
        var again = embedder.EmbedQueries(["music", "car road"]);

        // A text's expansion is kept: embedded again (a user grain publishing all its interests), it runs nothing.
        Assert.Equal([["car road"], ["music"]], sentences.Calls);
        Assert.Equal(first.TokenTexts[0], again.TokenTexts[1]);
        Assert.Equal(first.Row(0).Pooled, again.Row(1).Pooled);
        Assert.Equal(first.Row(0).TokenWeights, again.Row(1).TokenWeights);
        Assert.Throws<ArgumentException>(() => new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options, sentences));
    }

    [Fact]
    public void An_expansion_stored_with_its_text_is_read_back_into_the_same_row_without_the_sentence_model()
    {
        using var plain = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        var projection = SentenceProjectionSetup.Fit(plain, plain);
        string[] texts = ["car road", "music concert"];
        var stored = new StoredExpansion?[texts.Length];
        using var first = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options, Recording(), projection, new OnnxSessionFactory(new OnnxRuntimeOptions()));
        var computed = first.EmbedQueries(texts, stored);
        var written = stored.ToArray();
        // A new process: nothing kept in memory, only what was stored.
        var sentences = Recording();
        using var restarted = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options, sentences, projection, new OnnxSessionFactory(new OnnxRuntimeOptions()));

        var read = restarted.EmbedQueries(texts, stored);

        Assert.Empty(sentences.Calls);
        Assert.Equal(computed.TokenTexts[0][2..], written[0]!.Words);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Same(written[i], stored[i]);
            var (before, after) = (computed.Row(i), read.Row(i));
            Assert.Equal(before.Tokens, after.Tokens);
            Assert.Equal(before.TokenVectors, after.TokenVectors);
            Assert.Equal(before.TokenWeights, after.TokenWeights);
            Assert.Equal(before.Pooled, after.Pooled);
        }

        // As stored before the vector was fixed point: read the same, and given back in this format to be stored again.
        var asFloat = Array.ConvertAll(written, w => w! with { Pooled = null, FloatPooled = Array.ConvertAll(w.Pooled!, x => x / 32767f) });
        var older = asFloat.ToArray();
        var readOlder = restarted.EmbedQueries(texts, older);

        Assert.Empty(sentences.Calls);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(computed.Row(i).TokenVectors, readOlder.Row(i).TokenVectors);
            Assert.Equal(computed.Row(i).TokenWeights, readOlder.Row(i).TokenWeights);
            Assert.Equal(computed.Row(i).Pooled, readOlder.Row(i).Pooled);
            Assert.NotSame(asFloat[i], older[i]);
            Assert.Equal(written[i]!.Pooled, older[i]!.Pooled);
            Assert.Equal(written[i]!.Words, older[i]!.Words);
        }
    }

    [Fact]
    public void An_expansion_stored_by_another_configuration_or_with_an_unknown_word_is_computed_again()
    {
        using var plain = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        var projection = SentenceProjectionSetup.Fit(plain, plain);
        string[] texts = ["car road", "music concert"];
        var stored = new StoredExpansion?[texts.Length];
        using var twoWords = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options, Recording(), projection, new OnnxSessionFactory(new OnnxRuntimeOptions()));
        twoWords.EmbedQueries(texts, stored);
        var sentences = Recording();
        using var threeWords = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, new DistilledModelOptions { ExpansionWords = 3, MaxTokens = model.Options.MaxTokens },
            sentences, projection, new OnnxSessionFactory(new OnnxRuntimeOptions()));
        var fresh = new StoredExpansion?[texts.Length];
        var expected = threeWords.EmbedQueries(texts, fresh);
        sentences.Calls.Clear();
        using var restarted = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, new DistilledModelOptions { ExpansionWords = 3, MaxTokens = model.Options.MaxTokens },
            sentences, projection, new OnnxSessionFactory(new OnnxRuntimeOptions()));
        var unknownWord = stored[1]! with { Key = fresh[1]!.Key, Words = ["qwzxv", .. stored[1]!.Words[1..]] };

        var read = restarted.EmbedQueries(texts, [stored[0], unknownWord]);

        Assert.NotEqual(stored[0]!.Key, fresh[0]!.Key);
        Assert.Equal([texts], sentences.Calls);
        Assert.Equal(expected.Row(0).Tokens, read.Row(0).Tokens);
        Assert.Equal(expected.Row(1).Pooled, read.Row(1).Pooled);
        var withoutExpansion = stored.ToArray();
        Assert.Equal(plain.Embed(texts).Pooled, plain.EmbedQueries(texts, withoutExpansion).Pooled);
        Assert.All(withoutExpansion, Assert.Null);
    }

    [Fact]
    public void Texts_past_max_tokens_words_are_cut_and_marked()
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        var words = string.Join(' ', Enumerable.Repeat("car road music", 200));

        var batch = embedder.Embed([words, "car road"]);

        Assert.Equal(model.Options.MaxTokens, batch.TokenCount(0));
        Assert.True(batch.Truncated[0]);
        Assert.False(batch.Truncated[1]);
    }

    [Fact]
    public void A_long_text_becomes_windows_each_embedded_as_its_words_alone()
    {
        using var embedder = new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options);
        string[] words = ["car", "road", "music", "song", "concert", "vehicle", "engine", "highway", "river", "mountain", "city", "train"];
        var layout = WindowLayout.Of(model.Options.MaxTokens, 0.5, 4); // 8 words at 0, 4: the 12 words in two windows

        var windows = embedder.EmbedWindows([string.Join(' ', words), string.Join(' ', Enumerable.Repeat("car road", 20))], layout);

        Assert.Equal((2, 4), (windows.WindowCount(0), windows.WindowCount(1)));
        Assert.Equal((false, true), (windows.Truncated(0), windows.Truncated(1)));
        var alone = embedder.Embed([string.Join(' ', words[..8]), string.Join(' ', words[4..])]);
        for (var window = 0; window < 2; window++)
        {
            Assert.Equal(alone.TokenTexts[window], windows.Rows.TokenTexts[window]);
            Assert.Equal(alone.PooledVector(window).ToArray(), windows.Rows.PooledVector(window).ToArray());
        }
    }

    /// <summary>The table's own pooled vectors standing in for MiniLM's sentence embeddings, its calls recorded.</summary>
    private RecordingEmbedder Recording() => new(new DistilledEmbedder(model.Table, model.Files.VocabularyPath, model.Options));

    /// <summary>A sentence embedder that records the texts of each call.</summary>
    private sealed class RecordingEmbedder(ITextEmbedder inner) : ITextEmbedder
    {
        public List<string[]> Calls { get; } = [];

        public string Name => inner.Name;

        public int Dimension => inner.Dimension;

        public int MaxTokens => inner.MaxTokens;

        public TokenBatch Embed(IReadOnlyList<string> texts)
        {
            Calls.Add(texts.ToArray());
            return inner.Embed(texts);
        }

        public void Dispose() => inner.Dispose();
    }
}
