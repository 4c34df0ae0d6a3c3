using System.Numerics.Tensors;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

[Collection(MiniLmModelCollection.Name)]
public sealed class MiniLmQuantizerTests(MiniLmModelFixture model)
{
    private static readonly string[] Sentences =
    [
        "database replication lag and failover",
        "Primary postgres node failed over; replicas show 40s replication lag",
        "The bakery on the corner sells fresh bread and cakes every morning",
        "kernel: EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm systemd: reading directory lblock 0",
    ];

    [Fact]
    public async Task The_int8_model_is_written_next_to_the_float_one_once_and_embeds_like_it()
    {
        using var cache = new TemporaryDirectory();
        var floatPath = Path.Combine(cache.Path, "model.onnx");
        File.Copy(model.Files.ModelPath, floatPath);

        var int8Path = await MiniLmQuantizer.EnsureAsync(floatPath, NullLogger.Instance, CancellationToken.None);
        var written = File.GetLastWriteTimeUtc(int8Path);
        var again = await MiniLmQuantizer.EnsureAsync(floatPath, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(Path.Combine(cache.Path, MiniLmQuantizer.FileName), int8Path);
        Assert.Equal((int8Path, written), (again, File.GetLastWriteTimeUtc(again)));
        Assert.Empty(Directory.GetFiles(cache.Path, "*.partial"));
        // The dense layers' 44 MB become 11 MB; the word-piece embedding table (47 MB, a lookup) stays float.
        Assert.InRange(new FileInfo(int8Path).Length, 55_000_000, 62_000_000);

        var sessions = new OnnxSessionFactory(new OnnxRuntimeOptions());
        using var floatEmbedder = new TransformerEmbedder(new TransformerEmbeddingOptions { ModelPath = floatPath, VocabPath = model.Files.VocabularyPath }, sessions);
        using var int8Embedder = new TransformerEmbedder(new TransformerEmbeddingOptions { ModelPath = int8Path, VocabPath = model.Files.VocabularyPath }, sessions);
        var expected = floatEmbedder.Embed(Sentences);
        var actual = int8Embedder.Embed(Sentences);

        for (var i = 0; i < Sentences.Length; i++)
        {
            // Both vectors are unit length, so the dot product is the cosine.
            var cosine = TensorPrimitives.Dot(expected.PooledVector(i), actual.PooledVector(i));
            Assert.True(cosine >= 0.99f, $"sentence {i}: pooled cosine {cosine}");
            Assert.Equal(expected.TokenTexts[i], actual.TokenTexts[i]);
        }
    }

    [Fact]
    public async Task A_float_model_that_is_not_the_published_one_is_not_quantized_under_its_checksum()
    {
        using var cache = new TemporaryDirectory();
        var floatPath = Path.Combine(cache.Path, "model.onnx");
        File.Copy(model.Files.ModelPath, floatPath);
        ModelCacheFiles.Alter(floatPath, 50_000_000, 64, b => (byte)~b);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => MiniLmQuantizer.EnsureAsync(floatPath, NullLogger.Instance, CancellationToken.None));

        Assert.Contains(floatPath, error.Message);
        Assert.Contains("setup", error.Message);
        Assert.False(File.Exists(Path.Combine(cache.Path, MiniLmQuantizer.FileName)));
    }

    [Fact]
    public async Task The_int8_model_embeds_a_text_the_same_alone_and_among_other_texts()
    {
        var options = new MiniLmOptions { ModelDirectory = model.Options.ModelDirectory, Quantization = MiniLmQuantization.Int8 };
        var files = await new MiniLmModelSetup().EnsureAsync(options);
        var sessions = new OnnxSessionFactory(new OnnxRuntimeOptions());
        using var int8 = files.CreateEmbedder(options, sessions, null);
        using var floats = files.CreateEmbedder(new MiniLmOptions { Quantization = MiniLmQuantization.None }, sessions, null);
        const string text = "postgres replication lag after the failover";
        // Texts of as many word pieces as the first (10), so all share one run and one padded length, and unlike it (a hex
        // dump among them): with one quantization range for the whole batch, they moved its vectors.
        string[] batch = [text, "the bakery sells fresh bread every single morning at seven", "kubernetes pods restart in a crash loop", "0x7f3a 0xdead"];
        Assert.Single(batch.Select(t => floats.Embed([t]).TokenTexts[0].Length).Distinct());

        foreach (var embedder in new[] { floats, int8 })
        {
            var alone = embedder.Embed([text]);
            var among = embedder.Embed(batch);

            // Bit for bit: each row's dense layers read only that row (the float model, the control, does so too).
            Assert.Equal(alone.PooledVector(0).ToArray(), among.PooledVector(0).ToArray());
            for (var token = 0; token < alone.TokenTexts[0].Length; token++)
            {
                Assert.Equal(alone.TokenVector(0, token).ToArray(), among.TokenVector(0, token).ToArray());
            }
        }
    }

    [Fact]
    public async Task Setup_with_int8_quantization_hands_the_embedder_the_int8_model()
    {
        var options = new MiniLmOptions { ModelDirectory = model.Options.ModelDirectory, Quantization = MiniLmQuantization.Int8 };

        var files = await new MiniLmModelSetup().EnsureAsync(options);

        Assert.Equal(Path.Combine(options.ResolveModelDirectory(), MiniLmQuantizer.FileName), files.QuantizedModelPath);
        Assert.Equal(files.QuantizedModelPath, files.EmbedderOptions(options, "cpu").ModelPath);
        var none = new MiniLmOptions { ModelDirectory = model.Options.ModelDirectory, Quantization = MiniLmQuantization.None };
        Assert.Equal(files.ModelPath, files.EmbedderOptions(none, "cpu").ModelPath);
        Assert.Null((await new MiniLmModelSetup().EnsureAsync(none)).QuantizedModelPath);
    }

    [Fact]
    public async Task Auto_runs_the_int8_model_on_cpu_and_the_float_model_on_cuda()
    {
        var auto = new MiniLmOptions { ModelDirectory = model.Options.ModelDirectory };
        Assert.Equal(MiniLmQuantization.Auto, auto.Quantization);

        var files = await new MiniLmModelSetup().EnsureAsync(auto);

        Assert.Equal(files.QuantizedModelPath, files.EmbedderOptions(auto, "cpu").ModelPath);
        Assert.Equal(files.ModelPath, files.EmbedderOptions(auto, "cuda").ModelPath);
        var int8 = new MiniLmOptions { ModelDirectory = model.Options.ModelDirectory, Quantization = MiniLmQuantization.Int8 };
        Assert.Equal(files.QuantizedModelPath, files.EmbedderOptions(int8, "cuda").ModelPath);
    }
}
