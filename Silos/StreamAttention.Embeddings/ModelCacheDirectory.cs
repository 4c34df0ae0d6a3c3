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
}
