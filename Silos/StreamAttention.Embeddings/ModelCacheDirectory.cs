using Microsoft.Extensions.Logging;

namespace StreamAttention.Embeddings;

/// <summary>Where prepared models are cached, shared by every model setup.</summary>
public static class ModelCacheDirectory
{
    /// <summary>
    /// <paramref name="configured"/> when set, else <c>$STREAMATTENTION_MODEL_DIR</c>, else
    /// <c>$XDG_CACHE_HOME/streamattention/models</c>, else <c>~/.cache/streamattention/models</c>.
    /// </summary>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var fromEnvironment = Environment.GetEnvironmentVariable("STREAMATTENTION_MODEL_DIR");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }
        var xdgCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var cacheRoot = string.IsNullOrWhiteSpace(xdgCache)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdgCache;
        return Path.Combine(cacheRoot, "streamattention", "models");
    }

    /// <summary>Creates <paramref name="directory"/> in the cache (and its parents) unless it exists.</summary>
    /// <exception cref="ModelFilesException">It cannot be created: a file has its name, or a parent is not writable.</exception>
    public static void Create(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unwritable(directory, e);
        }
    }

    /// <summary>The error for a cache location that cannot be written, with what to do about it.</summary>
    public static ModelFilesException Unwritable(string location, Exception error)
        => new($"the model cache cannot be written at {location} ({error.Message}): set STREAMATTENTION_MODEL_DIR (or the provider's ModelDirectory setting) to a writable directory, or prepare the models there with 'setup' where it is writable", error);

    /// <summary>
    /// Hashes every stamped file under <paramref name="directories"/> and deletes those whose content is no longer the one
    /// stamped, so that a preparation makes them again: what <c>setup</c> does before preparing, as a start trusts a file
    /// whose length and write time still match its stamp. Returns how many were deleted.
    /// </summary>
    public static async Task<int> RemoveAlteredFilesAsync(IEnumerable<string> directories, ILogger logger, CancellationToken cancellationToken)
    {
        var files = directories.Where(Directory.Exists)
            .SelectMany(directory => Directory.EnumerateFiles(directory, "*" + ModelCacheStamp.Suffix, SearchOption.AllDirectories))
            .Select(stamp => Path.GetFullPath(stamp[..^ModelCacheStamp.Suffix.Length]))
            .Distinct(StringComparer.Ordinal);
        var removed = 0;
        foreach (var file in files)
        {
            removed += await ModelCacheStamp.RemoveIfAlteredAsync(file, logger, cancellationToken) ? 1 : 0;
        }
        return removed;
    }
}
