namespace StreamAttention.Embeddings;

/// <summary>
/// How every model setup publishes a file into the model cache: written under a unique partial name, flushed to disk,
/// hashed and optionally verified, stamped (<see cref="ModelCacheStamp"/>), then renamed over the final name, so a reader
/// never sees a half-written or unverified file. Another process may publish the same file meanwhile; both are
/// identical, so the last rename wins harmlessly (a stamp left from the other write is renewed at the next check).
/// </summary>
internal static class ModelCacheFile
{
    /// <param name="write">Writes the file's content to the partial file's stream.</param>
    /// <param name="verify">Checks the written file's SHA-256 and throws when it is wrong; nothing is published then.</param>
    public static async Task PublishAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken,
        Action<string>? verify = null)
    {
        var partialPath = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var output = new FileStream(partialPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                await write(output, cancellationToken);
                output.Flush(flushToDisk: true);
            }
            var sha256 = await ModelCacheStamp.HashAsync(partialPath, cancellationToken);
            verify?.Invoke(sha256);
            // The stamp first: whoever finds the file finds its stamp (the rename keeps the partial file's write time).
            ModelCacheStamp.Of(partialPath, sha256).Write(path);
            File.Move(partialPath, path, overwrite: true);
        }
        finally
        {
            File.Delete(partialPath);
        }
    }
}
