namespace StreamAttention.Embeddings;

/// <summary>
/// How every model setup publishes a file into the model cache: written under a unique partial name, flushed to disk,
/// hashed and optionally verified, stamped (<see cref="ModelCacheStamp"/>), then renamed over the final name, so a reader
/// never sees a half-written or unverified file. Another process may publish the same file meanwhile; both are
/// identical, so the last rename wins harmlessly (a stamp left from the other write is renewed at the next check).
/// </summary>
internal static class ModelCacheFile
{
    /// <summary>Partial files this old were left by a preparation that was killed: no publisher writes one for so long.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <param name="write">Writes the file's content to the partial file's stream.</param>
    /// <param name="verify">Checks the written file's SHA-256 and throws when it is wrong; nothing is published then.</param>
    public static async Task PublishAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken,
        Action<string>? verify = null)
    {
        RemoveStalePartials(path);
        var partialPath = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var output = CreatePartial(partialPath))
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

    private static FileStream CreatePartial(string partialPath)
    {
        try
        {
            return new FileStream(partialPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ModelCacheDirectory.Unwritable(Path.GetDirectoryName(partialPath)!, e);
        }
    }

    /// <summary>Removes what earlier killed preparations of <paramref name="path"/> left (their finally never ran).</summary>
    private static void RemoveStalePartials(string path)
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(path)!);
        if (directory.Exists)
        {
            RemoveStale(directory.EnumerateFiles($"{Path.GetFileName(path)}.*.partial"));
        }
    }

    /// <summary>
    /// Deletes the files or directories (with their content) last written over an hour ago: a preparation's leftovers
    /// once no preparation under way can still own them. One that cannot be deleted is left for the next try.
    /// </summary>
    public static void RemoveStale(IEnumerable<FileSystemInfo> leftovers)
    {
        foreach (var leftover in leftovers)
        {
            if (DateTime.UtcNow - leftover.LastWriteTimeUtc <= StaleAfter)
            {
                continue;
            }
            try
            {
                if (leftover is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    leftover.Delete();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next preparation: a read-only cache is reported when the new file is written.
            }
        }
    }
}
