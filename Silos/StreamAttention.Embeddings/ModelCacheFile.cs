namespace StreamAttention.Embeddings;

/// <summary>
/// How every model setup publishes a file into the model cache: written under a unique partial name, flushed to disk,
/// optionally verified, then renamed over the final name, so a reader never sees a half-written or unverified file.
/// Another process may publish the same file meanwhile; both are identical, so the last rename wins harmlessly.
/// </summary>
internal static class ModelCacheFile
{
    /// <param name="write">Writes the file's content to the partial file's stream.</param>
    /// <param name="verify">Checks the written partial file (given its path) and throws when it is wrong; nothing is published then.</param>
    public static async Task PublishAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken,
        Func<string, CancellationToken, Task>? verify = null)
    {
        var partialPath = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var output = new FileStream(partialPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                await write(output, cancellationToken);
                output.Flush(flushToDisk: true);
            }
            if (verify is not null)
            {
                await verify(partialPath, cancellationToken);
            }
            File.Move(partialPath, path, overwrite: true);
        }
        finally
        {
            File.Delete(partialPath);
        }
    }
}
