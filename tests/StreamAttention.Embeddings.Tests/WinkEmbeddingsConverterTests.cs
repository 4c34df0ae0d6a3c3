using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

public class WinkEmbeddingsConverterTests
{
    [Fact]
    public void Keeps_the_most_frequent_words_in_rank_order_with_fp16_vectors()
    {
        // Large enough (~1.5 MB of JSON) that tokens straddle the converter's read blocks.
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 3000, dimension: 50);
        using var tarball = SyntheticWinkPackage.Tarball(SyntheticWinkPackage.Json(words, vectors));

        var loaded = ConvertAndLoad(tarball, vocabularySize: 2500);

        Assert.Equal(2500, loaded.Count);
        Assert.Equal(50, loaded.Dimension);
        for (var index = 0; index < loaded.Count; index++)
        {
            Assert.Equal(words[index], loaded.Word(index));
            Assert.True(loaded.TryGetIndex(words[index], out var found));
            Assert.Equal(index, found);
            var stored = loaded.Vector(index);
            for (var i = 0; i < loaded.Dimension; i++)
            {
                // fp16 keeps 11 significant bits: relative error at most 2^-11.
                Assert.True(Math.Abs((float)stored[i] - vectors[index][i]) <= Math.Abs(vectors[index][i]) / 2048 + 1e-7,
                    $"{words[index]}[{i}]: {(float)stored[i]} vs {vectors[index][i]}");
            }
        }
        Assert.False(loaded.TryGetIndex(words[2500], out _));
    }

    [Fact]
    public void Keeps_every_word_when_the_package_has_fewer_than_asked()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 20, dimension: 4);
        using var tarball = SyntheticWinkPackage.Tarball(SyntheticWinkPackage.Json(words, vectors));

        Assert.Equal(20, ConvertAndLoad(tarball, vocabularySize: 250_000).Count);
    }

    [Fact]
    public void A_word_longer_than_a_read_block_is_carried_whole()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 5, dimension: 4);
        words[3] = new string('q', 3 << 20);
        using var tarball = SyntheticWinkPackage.Tarball(SyntheticWinkPackage.Json(words, vectors));

        Assert.Equal(words[3], ConvertAndLoad(tarball, vocabularySize: 5).Word(3));
    }

    [Fact]
    public void Reports_progress_up_to_completion()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 3000, dimension: 50);
        using var tarball = SyntheticWinkPackage.Tarball(SyntheticWinkPackage.Json(words, vectors));
        var reports = new List<double>();

        WinkEmbeddingsConverter.Convert(tarball, Stream.Null, 3000, new SynchronousProgress(reports.Add));

        Assert.True(reports.Count > 1);
        Assert.Equal(1, reports[^1]);
        Assert.All(reports, value => Assert.InRange(value, 0, 1));
        Assert.Equal(reports.Order(), reports);
    }

    [Fact]
    public void A_missing_rank_is_rejected()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 10, dimension: 4);
        var json = SyntheticWinkPackage.Json(words, vectors, corrupt: (rank, entry) =>
        {
            if (rank == 4)
            {
                entry[^1] = 9;
            }
        });

        var error = Assert.Throws<InvalidDataException>(() => ConvertAndLoad(SyntheticWinkPackage.Tarball(json), vocabularySize: 10));
        Assert.Contains("rank", error.Message);
    }

    [Fact]
    public void A_vector_that_does_not_match_its_stored_norm_is_rejected()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 10, dimension: 4);
        var json = SyntheticWinkPackage.Json(words, vectors, corrupt: (rank, entry) => entry[4] += rank == 2 ? 0.5 : 0);

        var error = Assert.Throws<InvalidDataException>(() => ConvertAndLoad(SyntheticWinkPackage.Tarball(json), vocabularySize: 10));
        Assert.Contains(words[2], error.Message);
    }

    [Fact]
    public void Truncated_json_is_rejected()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 10, dimension: 4);
        var json = SyntheticWinkPackage.Json(words, vectors);

        Assert.Throws<InvalidDataException>(() => ConvertAndLoad(SyntheticWinkPackage.Tarball(json[..(json.Length / 2)]), vocabularySize: 10));
    }

    [Fact]
    public void A_tarball_without_the_embeddings_is_rejected()
    {
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 10, dimension: 4);
        using var tarball = SyntheticWinkPackage.Tarball(SyntheticWinkPackage.Json(words, vectors), entryName: "package/other.json");

        Assert.Throws<InvalidDataException>(() => WinkEmbeddingsConverter.Convert(tarball, Stream.Null, 10));
    }

    private static WordVectors ConvertAndLoad(Stream tarball, int vocabularySize)
    {
        using var model = new MemoryStream();
        WinkEmbeddingsConverter.Convert(tarball, model, vocabularySize);
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "model.wordvec");
        File.WriteAllBytes(path, model.ToArray());
        return WordVectors.Load(path);
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
