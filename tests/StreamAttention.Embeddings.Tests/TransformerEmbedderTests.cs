using StreamAttention.Embeddings.Transformer;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

public sealed class TransformerEmbedderTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private const string CatSentence = "The cat sat on the MAT.";
    private static readonly long[] CatSentenceIds = [2, 5, 6, 7, 8, 5, 9, 17, 3];

    private readonly string _directory = Directory.CreateTempSubdirectory("transformer-embedder-").FullName;
    private readonly TransformerTestModel _model = new(seed: 7);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Fills_shapes_weights_and_word_texts()
    {
        using var embedder = CreateEmbedder();

        var batch = embedder.Embed([CatSentence, "Embeddings"]);

        Assert.Equal(TransformerTestModel.Hidden, embedder.Dimension);
        Assert.Equal((2, 7, TransformerTestModel.Hidden), (batch.Count, batch.Tokens, batch.Dimension));
        Assert.Equal(["the", "cat", "sat", "on", "the", "mat", "."], batch.TokenTexts[0]);
        Assert.Equal(["embeddings", "embeddings", "embeddings"], batch.TokenTexts[1]);
        Assert.Equal([1f, 1f, 1f, 0f, 0f, 0f, 0f], batch.TokenWeights.AsSpan(7, 7).ToArray());
        for (var text = 0; text < batch.Count; text++)
        {
            Assert.Equal(1, Norm(batch.PooledVector(text)), Tolerance);
            for (var token = 0; token < batch.Tokens; token++)
            {
                Assert.Equal(token < batch.TokenCount(text) ? 1 : 0, Norm(batch.TokenVector(text, token)), Tolerance);
            }
        }
        Assert.Equal([false, false], batch.Truncated);
        Assert.Equal([0, 0], batch.UnknownWords);
    }

    [Fact]
    public void Line_breaks_tabs_and_other_control_characters_separate_words_as_spaces_do()
    {
        using var embedder = CreateEmbedder();

        var batch = embedder.Embed(["The\ncat\tsat\r\non the\u0000MAT.", CatSentence]);

        Assert.Equal(["the", "cat", "sat", "on", "the", "mat", "."], batch.TokenTexts[0]);
        Assert.Equal(batch.PooledVector(1).ToArray(), batch.PooledVector(0).ToArray());
    }

    [Fact]
    public void Accented_words_are_tokenized_alike_whether_precomposed_or_decomposed()
    {
        using var embedder = CreateEmbedder();

        var batch = embedder.Embed(["The caf\u00E9 MAT", "The cafe\u0301 MAT"]);

        Assert.Equal(batch.TokenTexts[1], batch.TokenTexts[0]);
        Assert.Contains("cafe", batch.TokenTexts[0]);
        Assert.Equal(batch.PooledVector(1).ToArray(), batch.PooledVector(0).ToArray());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Agrees_with_a_double_precision_reference(bool withTokenTypes, bool symbolicHidden)
    {
        using var embedder = CreateEmbedder(withTokenTypes: withTokenTypes, symbolicHidden: symbolicHidden);

        var batch = embedder.Embed([CatSentence]);

        Assert.Equal(TransformerTestModel.Hidden, embedder.Dimension);
        AssertMatchesReference(batch, 0, CatSentenceIds, withTokenTypes);
    }

    [Fact]
    public void Padding_and_chunking_do_not_change_results()
    {
        string[] texts = ["cat", CatSentence, "embeddings , logs", "disk error", "the mat"];
        using var alone = CreateEmbedder();
        using var chunked = CreateEmbedder(batchSize: 2);

        var together = alone.Embed(texts);
        var inChunks = chunked.Embed(texts);

        for (var i = 0; i < texts.Length; i++)
        {
            var single = alone.Embed([texts[i]]);
            foreach (var batch in new[] { together, inChunks })
            {
                Assert.Equal(single.TokenTexts[0], batch.TokenTexts[i]);
                AssertClose(single.PooledVector(0), batch.PooledVector(i), 1e-5f);
                for (var token = 0; token < single.TokenCount(0); token++)
                {
                    AssertClose(single.TokenVector(0, token), batch.TokenVector(i, token), 1e-5f);
                }
            }
        }
    }

    [Fact]
    public void Serves_concurrent_callers_from_one_session()
    {
        using var embedder = CreateEmbedder();
        var expected = embedder.Embed([CatSentence]);

        var results = new TokenBatch[8];
        Parallel.For(0, results.Length, i => results[i] = embedder.Embed([CatSentence]));

        Assert.All(results, batch => AssertClose(expected.TokenVectors, batch.TokenVectors, 1e-6f));
    }

    [Fact]
    public void Truncates_to_max_tokens_word_pieces()
    {
        using var embedder = CreateEmbedder(maxTokens: 3);

        var batch = embedder.Embed(["the cat embeddings", "cat sat"]);

        Assert.Equal([true, false], batch.Truncated);
        Assert.Equal(3, batch.Tokens);
        Assert.Equal(["the", "cat", "embeddings"], batch.TokenTexts[0]);
        AssertMatchesReference(batch, 0, [2, 5, 6, 10, 3], withTokenTypes: true);
    }

    [Theory]
    [InlineData(5000, 0)] // the encoded prefix already holds more than MaxTokens pieces
    [InlineData(0, 500)] // the prefix ends inside a run of spaces, so the whole text is encoded
    public void Truncates_long_texts(int leadingCats, int spacesBeforeTheRest)
    {
        using var embedder = CreateEmbedder(maxTokens: 3);
        var text = string.Concat(Enumerable.Repeat("cat ", leadingCats)) + "cat" + new string(' ', spacesBeforeTheRest) + " sat on embeddings";

        var batch = embedder.Embed([text]);

        Assert.True(batch.Truncated[0]);
        var expectedIds = leadingCats > 0 ? new long[] { 2, 6, 6, 6, 3 } : [2, 6, 7, 8, 3];
        AssertMatchesReference(batch, 0, expectedIds, withTokenTypes: true);
    }

    [Fact]
    public void A_long_text_becomes_windows_each_run_through_the_model_on_its_own()
    {
        using var embedder = CreateEmbedder(maxTokens: 3);
        var layout = WindowLayout.Of(3, overlap: 0.34, maxWindows: 3); // windows of 3 pieces at 0, 2, 4: 7 covered

        var windows = embedder.EmbedWindows(["the cat sat on the mat", "cat sat", "the cat sat on the mat cat sat"], layout);

        Assert.Equal((3, 1, 3), (windows.WindowCount(0), windows.WindowCount(1), windows.WindowCount(2)));
        Assert.Equal((false, false, true), (windows.Truncated(0), windows.Truncated(1), windows.Truncated(2)));
        string[] alone = ["the cat sat", "sat on the", "the mat", "cat sat"];
        var expected = embedder.Embed(alone);
        for (var row = 0; row < alone.Length; row++)
        {
            Assert.Equal(expected.TokenTexts[row], windows.Rows.TokenTexts[row]);
            AssertClose(expected.PooledVector(row), windows.Rows.PooledVector(row), Tolerance);
            AssertClose(expected.Row(row).TokenVectors, windows.Rows.Row(row).TokenVectors, Tolerance);
        }
    }

    [Fact]
    public void A_window_starting_inside_a_word_names_its_pieces_by_the_whole_word()
    {
        using var embedder = CreateEmbedder(maxTokens: 3);

        var windows = embedder.EmbedWindows(["cat embeddings"], WindowLayout.Of(3, 0.34, 2)); // cat embed ##ding | ##ding ##s

        Assert.Equal(["cat", "embeddings", "embeddings"], windows.Rows.TokenTexts[0]);
        Assert.Equal(["embeddings", "embeddings"], windows.Rows.TokenTexts[1]);
        Assert.False(windows.Truncated(0));
    }

    [Fact]
    public void Counts_unknown_words_and_keeps_their_text()
    {
        using var embedder = CreateEmbedder();

        var batch = embedder.Embed(["the xyzzy cat", "xyzzy plugh"]);

        Assert.Equal([1, 2], batch.UnknownWords);
        Assert.Equal(["the", "xyzzy", "cat"], batch.TokenTexts[0]);
        AssertMatchesReference(batch, 0, [2, 5, 1, 6, 3], withTokenTypes: true);
        Assert.Equal(0, batch.TokenCount(1));
        Assert.All(batch.PooledVector(1).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Empty_texts_get_no_tokens_and_a_zero_pooled_vector()
    {
        using var embedder = CreateEmbedder();

        var batch = embedder.Embed(["", "   ", "cat"]);
        var none = embedder.Embed([]);

        Assert.Equal((3, 1), (batch.Count, batch.Tokens));
        Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(batch.TokenCount));
        Assert.All(batch.Pooled.AsSpan(0, 2 * batch.Dimension).ToArray(), x => Assert.Equal(0f, x));
        Assert.Equal(1, Norm(batch.PooledVector(2)), Tolerance);
        Assert.Equal(0, none.Count);
    }

    [Fact]
    public void Rejects_a_model_without_the_configured_output()
    {
        var (modelPath, vocabPath) = _model.WriteTo(_directory);
        var options = new TransformerEmbeddingOptions { ModelPath = modelPath, VocabPath = vocabPath, OutputName = "sentence_embedding" };

        var error = Assert.Throws<InvalidOperationException>(() => new TransformerEmbedder(options, new OnnxSessionFactory(new OnnxRuntimeOptions())));

        Assert.Contains("last_hidden_state", error.Message);
    }

    [Fact]
    public void Rejects_a_vocabulary_with_more_entries_than_the_model_embeds()
    {
        var (modelPath, vocabPath) = _model.WriteTo(_directory);
        File.AppendAllLines(vocabPath, ["zebra", "yak"]);
        var options = new TransformerEmbeddingOptions { ModelPath = modelPath, VocabPath = vocabPath };

        var error = Assert.Throws<InvalidOperationException>(() => new TransformerEmbedder(options, new OnnxSessionFactory(new OnnxRuntimeOptions())));

        Assert.Contains(vocabPath, error.Message);
        Assert.Contains($"ids up to {TransformerTestModel.Vocabulary.Length + 1}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Names_a_model_without_a_name_by_its_directory_and_the_content_of_its_file()
    {
        // Two exports in directories of one name, as two releases of a model unpacked side by side: the file stem
        // ("model" for every model.onnx) used to name both alike, so the cluster's model check took them for one model.
        var first = new TransformerTestModel(seed: 1).WriteTo(Directory.CreateDirectory(Path.Combine(_directory, "v1", "export")).FullName);
        var second = new TransformerTestModel(seed: 2).WriteTo(Directory.CreateDirectory(Path.Combine(_directory, "v2", "export")).FullName);
        var copy = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, "elsewhere", "export")).FullName, "copy.onnx");
        File.Copy(first.ModelPath, copy);

        using var firstEmbedder = CreateEmbedder(first);
        using var secondEmbedder = CreateEmbedder(second);
        using var copyEmbedder = CreateEmbedder((copy, first.VocabPath));
        using var named = CreateEmbedder(second, name: "e5-small");

        Assert.Matches("^export-[0-9a-f]{12}$", firstEmbedder.Name);
        Assert.NotEqual(firstEmbedder.Name, secondEmbedder.Name);
        Assert.Equal(firstEmbedder.Name, copyEmbedder.Name);
        Assert.Equal("e5-small", named.Name);
    }

    [Fact]
    public void Tells_two_models_under_one_name_apart_by_their_files_and_one_model_alike_wherever_it_lies()
    {
        var first = new TransformerTestModel(seed: 1).WriteTo(Directory.CreateDirectory(Path.Combine(_directory, "first")).FullName);
        var second = new TransformerTestModel(seed: 2).WriteTo(Directory.CreateDirectory(Path.Combine(_directory, "second")).FullName);
        var copyDirectory = Directory.CreateDirectory(Path.Combine(_directory, "copy")).FullName;
        var copy = (Path.Combine(copyDirectory, "model.onnx"), Path.Combine(copyDirectory, "vocab.txt"));
        File.Copy(first.ModelPath, copy.Item1);
        File.Copy(first.VocabPath, copy.Item2);

        using var firstEmbedder = CreateEmbedder(first, name: "e5-small");
        using var secondEmbedder = CreateEmbedder(second, name: "e5-small");
        using var copyEmbedder = CreateEmbedder(copy, name: "e5-small");
        using var firstAgain = CreateEmbedder(first, name: "e5-small");

        Assert.Equal(("e5-small", "e5-small"), (firstEmbedder.Name, secondEmbedder.Name));
        Assert.Matches("^e5-small #[0-9a-f]{16}$", firstEmbedder.Identity);
        Assert.NotEqual(firstEmbedder.Identity, secondEmbedder.Identity);
        Assert.Equal(firstEmbedder.Identity, copyEmbedder.Identity);
        Assert.Equal(firstEmbedder.Identity, firstAgain.Identity);
    }

    [Fact]
    public void A_replaced_vocabulary_changes_the_identity_of_a_model_named_or_not()
    {
        var files = _model.WriteTo(_directory);
        using var named = CreateEmbedder(files, name: "e5-small");
        using var unnamed = CreateEmbedder(files);

        // One piece's line replaced: the same model file reads another piece for that id.
        File.WriteAllLines(files.VocabPath, TransformerTestModel.Vocabulary.Select(piece => piece == "cat" ? "dog" : piece));
        using var namedAfter = CreateEmbedder(files, name: "e5-small");
        using var unnamedAfter = CreateEmbedder(files);

        Assert.NotEqual(named.Identity, namedAfter.Identity);
        Assert.NotEqual(unnamed.Identity, unnamedAfter.Identity);
        // The default name still names the model file alone, as sha256sum shows it.
        Assert.Equal(unnamed.Name, unnamedAfter.Name);
    }

    /// <summary>Texts longer than the word pieces kept are cut elsewhere, so their vectors differ: silos so set are told apart.</summary>
    [Fact]
    public void The_word_pieces_kept_per_text_change_the_identity_of_a_model_named_or_not()
    {
        var files = _model.WriteTo(_directory);
        using var named = CreateEmbedder(files, name: "e5-small");
        using var namedFewer = CreateEmbedder(files, name: "e5-small", maxTokens: 64);
        using var unnamed = CreateEmbedder(files);
        using var unnamedFewer = CreateEmbedder(files, maxTokens: 64);

        Assert.NotEqual(named.Identity, namedFewer.Identity);
        Assert.NotEqual(unnamed.Identity, unnamedFewer.Identity);
        Assert.Matches("^e5-small #[0-9a-f]{16}$", namedFewer.Identity);
    }

    [Fact]
    public void Cls_pooling_takes_the_first_position_and_leaves_the_token_vectors_as_they_were()
    {
        using var mean = CreateEmbedder();
        using var cls = CreateEmbedder(pooling: TransformerPooling.Cls);

        var batch = cls.Embed([CatSentence]);

        AssertClose(Normalized(_model.Reference(CatSentenceIds, withTokenTypes: true)[0]), batch.PooledVector(0), Tolerance);
        AssertClose(mean.Embed([CatSentence]).TokenVectors, batch.TokenVectors, Tolerance);
    }

    [Fact]
    public void Interests_get_the_query_prefix_and_messages_the_document_prefix_whose_pieces_are_none_of_their_tokens()
    {
        using var embedder = CreateEmbedder(maxTokens: 3, queryPrefix: "on the", documentPrefix: "Disk error");

        var interests = embedder.EmbedQueries(["cat sat", ""]);
        var messages = embedder.Embed(["cat sat"]);

        Assert.Equal(["cat", "sat"], interests.TokenTexts[0]);
        Assert.Equal(["cat", "sat"], messages.TokenTexts[0]);
        AssertMatchesReference(interests, 0, [2, 8, 5, 6, 7, 3], withTokenTypes: true, prefixPieces: 2);
        AssertMatchesReference(messages, 0, [2, 19, 18, 6, 7, 3], withTokenTypes: true, prefixPieces: 2);
        Assert.Equal((0, 0), (interests.TokenCount(1), interests.UnknownWords[1]));
        Assert.All(interests.PooledVector(1).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Each_window_of_a_long_message_gets_the_document_prefix()
    {
        using var embedder = CreateEmbedder(maxTokens: 3, documentPrefix: "error");

        var windows = embedder.EmbedWindows(["the cat sat on the mat"], WindowLayout.Of(3, overlap: 0.34, maxWindows: 3));

        Assert.Equal(["the", "cat", "sat"], windows.Rows.TokenTexts[0]);
        Assert.Equal(["sat", "on", "the"], windows.Rows.TokenTexts[1]);
        Assert.Equal(["the", "mat"], windows.Rows.TokenTexts[2]);
        AssertMatchesReference(windows.Rows, 1, [2, 18, 7, 8, 5, 3], withTokenTypes: true, prefixPieces: 1);
    }

    [Fact]
    public void The_pooling_and_the_prefixes_change_the_identity_of_a_model_named_or_not()
    {
        var files = _model.WriteTo(_directory);
        foreach (var name in new[] { "e5-small", null })
        {
            using var plain = CreateEmbedder(files, name);
            using var cls = CreateEmbedder(files, name, pooling: TransformerPooling.Cls);
            using var query = CreateEmbedder(files, name, queryPrefix: "query: ");
            using var document = CreateEmbedder(files, name, documentPrefix: "query: ");
            using var both = CreateEmbedder(files, name, queryPrefix: "query: ", documentPrefix: "passage: ");
            using var bothAgain = CreateEmbedder(files, name, queryPrefix: "query: ", documentPrefix: "passage: ");

            string[] identities = [plain.Identity, cls.Identity, query.Identity, document.Identity, both.Identity];
            Assert.Equal(identities.Length, identities.Distinct().Count());
            Assert.Equal(both.Identity, bothAgain.Identity);
        }
    }

    [Theory]
    [InlineData(false, false, "is uncased")]
    [InlineData(true, true, "is cased")]
    [InlineData(true, false, null)]
    [InlineData(false, true, null)]
    public void Warns_where_lower_casing_does_not_fit_the_vocabulary(bool lowerCase, bool casedVocabulary, string? warning)
    {
        var files = _model.WriteTo(_directory);
        if (casedVocabulary)
        {
            File.WriteAllLines(files.VocabPath, TransformerTestModel.Vocabulary.Select(piece => piece is "the" or "cat" or "error" ? char.ToUpperInvariant(piece[0]) + piece[1..] : piece));
        }
        var logger = new ListLogger<TransformerEmbedder>();

        using var embedder = new TransformerEmbedder(new TransformerEmbeddingOptions { ModelPath = files.ModelPath, VocabPath = files.VocabPath, LowerCase = lowerCase },
            new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 }), logger);

        var warnings = logger.Messages.Where(m => m.Contains($"{TransformerEmbeddingOptions.SectionName}:LowerCase is")).ToList();
        if (warning is null)
        {
            Assert.Empty(warnings);
        }
        else
        {
            Assert.Contains(warning, Assert.Single(warnings));
            Assert.Contains(files.VocabPath, warnings[0]);
        }
    }

    private static TransformerEmbedder CreateEmbedder((string ModelPath, string VocabPath) files, string? name = null, int maxTokens = 128,
        TransformerPooling pooling = TransformerPooling.Mean, string queryPrefix = "", string documentPrefix = "") =>
        new(new TransformerEmbeddingOptions
        {
            ModelPath = files.ModelPath,
            VocabPath = files.VocabPath,
            Name = name,
            MaxTokens = maxTokens,
            Pooling = pooling,
            QueryPrefix = queryPrefix,
            DocumentPrefix = documentPrefix,
        }, new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 }));

    private TransformerEmbedder CreateEmbedder(bool withTokenTypes = true, bool symbolicHidden = false, int maxTokens = 16, int batchSize = 32,
        TransformerPooling pooling = TransformerPooling.Mean, string queryPrefix = "", string documentPrefix = "")
    {
        var (modelPath, vocabPath) = _model.WriteTo(_directory, withTokenTypes, symbolicHidden);
        var options = new TransformerEmbeddingOptions
        {
            ModelPath = modelPath,
            VocabPath = vocabPath,
            MaxTokens = maxTokens,
            BatchSize = batchSize,
            Pooling = pooling,
            QueryPrefix = queryPrefix,
            DocumentPrefix = documentPrefix,
        };
        return new TransformerEmbedder(options, new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = 1 }));
    }

    /// <summary>
    /// Token vectors are the normalized hidden states between [CLS] and the <paramref name="prefixPieces"/> after it and
    /// [SEP]; pooled is the normalized mean of all.
    /// </summary>
    private void AssertMatchesReference(TokenBatch batch, int text, long[] ids, bool withTokenTypes, int prefixPieces = 0)
    {
        var hidden = _model.Reference(ids, withTokenTypes);
        var firstWord = 1 + prefixPieces;
        Assert.Equal(ids.Length - 1 - firstWord, batch.TokenCount(text));
        for (var t = firstWord; t < ids.Length - 1; t++)
        {
            AssertClose(Normalized(hidden[t]), batch.TokenVector(text, t - firstWord), Tolerance);
        }
        var mean = Enumerable.Range(0, TransformerTestModel.Hidden).Select(j => hidden.Average(row => row[j])).ToArray();
        AssertClose(Normalized(mean), batch.PooledVector(text), Tolerance);
    }

    private static float[] Normalized(double[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(x => x * x));
        return [.. vector.Select(x => (float)(x / norm))];
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static float Norm(ReadOnlySpan<float> vector)
    {
        var squares = 0.0;
        foreach (var x in vector)
        {
            squares += x * x;
        }
        return (float)Math.Sqrt(squares);
    }
}
