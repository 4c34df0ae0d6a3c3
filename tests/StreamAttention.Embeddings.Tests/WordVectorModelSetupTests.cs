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
