using StreamAttention.Embeddings.MiniLm;

namespace StreamAttention.Embeddings.Tests;

public sealed class MiniLmModelSetupTests
{
    [Fact]
    public async Task Extracts_the_model_and_vocabulary_from_the_package_with_their_checksums_once()
    {
        using var cache = new TemporaryDirectory();
        var options = new MiniLmOptions { ModelDirectory = cache.Path };
        var reports = new List<double>();

        var files = await new MiniLmModelSetup().EnsureAsync(options, new ListProgress(reports));

        Assert.Equal("4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2", ModelCacheFiles.Sha256(files.ModelPath));
        Assert.Equal(30_522, File.ReadLines(files.VocabularyPath).Count());
        Assert.Equal(1.0, reports[^1], 6);
        Assert.True(reports.Count > 2);
        Assert.Empty(Directory.GetFiles(options.ResolveModelDirectory(), "*.partial"));

        var written = File.GetLastWriteTimeUtc(files.ModelPath);
        reports.Clear();
        var again = await new MiniLmModelSetup().EnsureAsync(options, new ListProgress(reports));
        Assert.Equal(files, again);
        Assert.Equal(written, File.GetLastWriteTimeUtc(files.ModelPath));
        Assert.Equal([1.0], reports);
    }

    [Fact]
    public async Task Preparing_a_file_removes_the_partial_files_that_killed_preparations_left_and_keeps_a_fresh_one()
    {
        using var cache = new TemporaryDirectory();
        var options = new MiniLmOptions { ModelDirectory = cache.Path };
        var files = await new MiniLmModelSetup().EnsureAsync(options);
        var (stale, fresh) = ($"{files.VocabularyPath}.1.partial", $"{files.VocabularyPath}.2.partial");
        File.WriteAllText(stale, "");
        File.WriteAllText(fresh, "");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        File.Delete(files.VocabularyPath);

        await new MiniLmModelSetup().EnsureAsync(options);

        Assert.True(File.Exists(files.VocabularyPath));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh), "a partial file written within the hour may be another preparation's, under way");
    }

    [Fact]
    public async Task Files_that_cannot_be_used_though_their_stamps_match_are_named_with_the_way_out()
    {
        using var cache = new TemporaryDirectory();
        var options = new MiniLmOptions { ModelDirectory = cache.Path, Quantization = MiniLmQuantization.None };
        var files = await new MiniLmModelSetup().EnsureAsync(options);
        // A word twice, as a change the stamp cannot see (the same length and write time) leaves it.
        var vocabulary = Path.Combine(cache.Path, "vocab-with-a-word-twice.txt");
        File.WriteAllLines(vocabulary, [.. File.ReadLines(files.VocabularyPath), "kafka", "kafka"]);
        var sessions = new StreamAttention.Onnx.OnnxSessionFactory(new StreamAttention.Onnx.Options.OnnxRuntimeOptions());

        var error = Assert.Throws<ModelFilesException>(() => (files with { VocabularyPath = vocabulary }).CreateEmbedder(options, sessions, null));

        Assert.StartsWith($"the cached MiniLM files {files.ModelPath} and {vocabulary} cannot be used (", error.Message);
        Assert.EndsWith("delete them with their .stamp files and run setup again", error.Message);
    }

    [Fact]
    public async Task Hashing_every_file_finds_one_altered_without_a_change_of_length_or_time_and_it_is_prepared_again()
    {
        using var cache = new TemporaryDirectory();
        var options = new MiniLmOptions { ModelDirectory = cache.Path, Quantization = MiniLmQuantization.None };
        var files = await new MiniLmModelSetup().EnsureAsync(options);
        var written = File.GetLastWriteTimeUtc(files.VocabularyPath);
        ModelCacheFiles.Alter(files.VocabularyPath, 1_000, 8, b => (byte)(b ^ 1));
        File.SetLastWriteTimeUtc(files.VocabularyPath, written);
        var logger = new ListLogger<MiniLmModelSetupTests>();

        var removed = await ModelCacheDirectory.RemoveAlteredFilesAsync([cache.Path, options.ResolveModelDirectory()], logger, CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.False(File.Exists(files.VocabularyPath));
        Assert.True(File.Exists(files.ModelPath));
        Assert.Contains(files.VocabularyPath, Assert.Single(logger.Messages));
        await new MiniLmModelSetup().EnsureAsync(options);
        Assert.Equal(MiniLmModelSetup.VocabularySha256, ModelCacheFiles.Sha256(files.VocabularyPath));
        Assert.Equal(0, await ModelCacheDirectory.RemoveAlteredFilesAsync([cache.Path], logger, CancellationToken.None));
    }

    [Fact]
    public async Task Files_changed_since_extraction_are_extracted_and_quantized_again_from_the_published_model()
    {
        using var cache = new TemporaryDirectory();
        var options = new MiniLmOptions { ModelDirectory = cache.Path, Quantization = MiniLmQuantization.Int8 };
        var files = await new MiniLmModelSetup().EnsureAsync(options);
        var int8 = ModelCacheFiles.Sha256(files.QuantizedModelPath!);

        // Each keeps its length but the int8 model: weights' bytes flipped, two words of one length swapped, a file cut short.
        ModelCacheFiles.Alter(files.ModelPath, 50_000_000, 64, b => (byte)~b);
        File.WriteAllText(files.VocabularyPath, File.ReadAllText(files.VocabularyPath).Replace("\nthe\r", "\n\0\0\0\r").Replace("\nand\r", "\nthe\r").Replace("\0\0\0", "and"));
        ModelCacheFiles.Touch(files.VocabularyPath);
        Assert.NotEqual(MiniLmModelSetup.VocabularySha256, ModelCacheFiles.Sha256(files.VocabularyPath));
        ModelCacheFiles.Truncate(files.QuantizedModelPath!, 1_000_000);
        var logger = new ListLogger<MiniLmModelSetup>();

        var again = await new MiniLmModelSetup(logger).EnsureAsync(options);

        Assert.Equal(files, again);
        Assert.Equal(MiniLmModelSetup.ModelSha256, ModelCacheFiles.Sha256(again.ModelPath));
        Assert.Equal(MiniLmModelSetup.VocabularySha256, ModelCacheFiles.Sha256(again.VocabularyPath));
        Assert.Equal(int8, ModelCacheFiles.Sha256(again.QuantizedModelPath!));
        foreach (var path in new[] { files.ModelPath, files.VocabularyPath, files.QuantizedModelPath! })
        {
            Assert.Contains(logger.Messages, m => m.Contains(path) && m.Contains("SHA-256"));
        }
    }

    [Fact]
    public async Task Refuses_resources_whose_checksum_differs_and_publishes_nothing()
    {
        using var cache = new TemporaryDirectory();
        // This test assembly embeds stand-ins under the package's resource names.
        var options = new MiniLmOptions { ModelDirectory = cache.Path, PackageAssembly = typeof(MiniLmModelSetupTests).Assembly.Location };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new MiniLmModelSetup().EnsureAsync(options));

        Assert.Contains("SHA-256", error.Message);
        Assert.Empty(Directory.GetFiles(options.ResolveModelDirectory()));
    }

    [Fact]
    public async Task A_missing_package_assembly_names_the_option_that_points_elsewhere()
    {
        using var cache = new TemporaryDirectory();
        var options = new MiniLmOptions { ModelDirectory = cache.Path, PackageAssembly = Path.Combine(cache.Path, "absent.dll") };

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => new MiniLmModelSetup().EnsureAsync(options));

        Assert.Contains("Embeddings:MiniLm:PackageAssembly", error.Message);
    }

    private sealed class ListProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value) => reports.Add(value);
    }
}
