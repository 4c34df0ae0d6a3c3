using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

public class WordVectorModelSetupTests
{
    [Fact]
    public async Task An_existing_model_is_returned_without_fetching_anything()
    {
        using var directory = new TemporaryDirectory();
        var options = new WordVectorOptions { ModelDirectory = directory.Path, PackageTarball = "/nonexistent.tgz", NpmExecutable = "/nonexistent/npm" };
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 5, dimension: 4);
        SyntheticWinkPackage.WriteModel(options.ResolveModelPath(), words, vectors);
        var reports = new List<double>();

        var path = await new WordVectorModelSetup().EnsureAsync(options, new SynchronousProgress(reports.Add));

        Assert.Equal(options.ResolveModelPath(), path);
        Assert.Equal([1.0], reports);
    }

    [Fact]
    public async Task A_model_changed_since_it_was_prepared_or_without_a_stamp_is_deleted_and_prepared_again()
    {
        using var directory = new TemporaryDirectory();
        var options = new WordVectorOptions { ModelDirectory = directory.Path, PackageTarball = Path.Combine(directory.Path, "absent.tgz") };
        var path = options.ResolveModelPath();
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 50, dimension: 4);
        var logger = new ListLogger<WordVectorModelSetup>();
        SyntheticWinkPackage.WriteModel(path, words, vectors);

        // A zeroed range keeps the length: its checksum tells, and preparing it again needs the package (missing here).
        ModelCacheFiles.Alter(path, 100, 50, _ => 0);
        await Assert.ThrowsAsync<FileNotFoundException>(() => new WordVectorModelSetup(logger).EnsureAsync(options));
        Assert.False(File.Exists(path));
        Assert.Contains(logger.Messages, m => m.Contains(path) && m.Contains("SHA-256"));

        // One without a stamp (an older version wrote it) cannot be checked.
        SyntheticWinkPackage.WriteModel(path, words, vectors);
        File.Delete(ModelCacheFiles.StampOf(path));
        await Assert.ThrowsAsync<FileNotFoundException>(() => new WordVectorModelSetup(logger).EnsureAsync(options));
        Assert.False(File.Exists(path));
        Assert.Contains(logger.Messages, m => m.Contains(path) && m.Contains("no checksum stamp"));
    }

    [Fact]
    public async Task A_model_whose_length_and_time_match_its_stamp_is_not_read_and_a_touched_one_is_stamped_again()
    {
        using var directory = new TemporaryDirectory();
        var options = new WordVectorOptions { ModelDirectory = directory.Path, PackageTarball = Path.Combine(directory.Path, "absent.tgz") };
        var path = options.ResolveModelPath();
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 50, dimension: 4);
        SyntheticWinkPackage.WriteModel(path, words, vectors);
        var logger = new ListLogger<WordVectorModelSetup>();

        // Touched, its content the same: hashed once, kept, and its stamp renewed.
        ModelCacheFiles.Touch(path);
        Assert.Equal(path, await new WordVectorModelSetup(logger).EnsureAsync(options));
        var touched = File.GetLastWriteTimeUtc(path);

        // A change that keeps the length and the time goes unseen: a start compares the stamp, it hashes nothing.
        ModelCacheFiles.Alter(path, 100, 50, _ => 0);
        File.SetLastWriteTimeUtc(path, touched);
        Assert.Equal(path, await new WordVectorModelSetup(logger).EnsureAsync(options));
        Assert.True(File.Exists(path));
        Assert.Empty(logger.Messages);
    }

    [Fact]
    public async Task A_tarball_with_the_wrong_checksum_is_refused_and_leaves_nothing_behind()
    {
        using var directory = new TemporaryDirectory();
        var (words, vectors) = SyntheticWinkPackage.RandomVocabulary(count: 5, dimension: 4);
        var tarballPath = Path.Combine(directory.Path, "package.tgz");
        await using (var file = File.Create(tarballPath))
        {
            await SyntheticWinkPackage.Tarball(SyntheticWinkPackage.Json(words, vectors)).CopyToAsync(file);
        }
        var modelDirectory = Path.Combine(directory.Path, "models");
        var options = new WordVectorOptions { ModelDirectory = modelDirectory, PackageTarball = tarballPath };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new WordVectorModelSetup().EnsureAsync(options));

        Assert.Contains("integrity", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(modelDirectory));
    }

    [Fact]
    public async Task A_fetch_removes_the_download_directories_that_killed_fetches_left_over_an_hour_ago()
    {
        using var directory = new TemporaryDirectory();
        var stale = Directory.CreateTempSubdirectory("streamattention-npm-");
        File.WriteAllText(Path.Combine(stale.FullName, "package.tgz"), "half a tarball");
        Directory.SetLastWriteTimeUtc(stale.FullName, DateTime.UtcNow.AddHours(-2));
        var fresh = Directory.CreateTempSubdirectory("streamattention-npm-");
        var options = new WordVectorOptions { ModelDirectory = directory.Path, NpmExecutable = Path.Combine(directory.Path, "no-npm-here") };

        await Assert.ThrowsAsync<InvalidOperationException>(() => new WordVectorModelSetup().EnsureAsync(options));

        Assert.False(Directory.Exists(stale.FullName));
        Assert.True(Directory.Exists(fresh.FullName), "a download directory written within the hour may be another fetch's, under way");
        fresh.Delete();
    }

    [Fact]
    public async Task A_missing_npm_is_reported_with_the_way_out()
    {
        using var directory = new TemporaryDirectory();
        var options = new WordVectorOptions { ModelDirectory = directory.Path, NpmExecutable = Path.Combine(directory.Path, "no-npm-here") };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new WordVectorModelSetup().EnsureAsync(options));

        Assert.Contains("PackageTarball", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public void The_model_file_name_depends_on_the_vocabulary_size()
    {
        var small = new WordVectorOptions { ModelDirectory = "/models", VocabularySize = 200_000 };
        var large = new WordVectorOptions { ModelDirectory = "/models", VocabularySize = 300_000 };

        Assert.Equal("/models", Path.GetDirectoryName(small.ResolveModelPath()));
        Assert.NotEqual(small.ResolveModelPath(), large.ResolveModelPath());
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
