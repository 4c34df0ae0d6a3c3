using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Embeddings;

/// <summary>
/// The sidecar <c>&lt;file&gt;.stamp</c> that <see cref="ModelCacheFile"/> writes for every file it publishes: the file's
/// SHA-256, length and last-write time. Every setup checks its files with <see cref="VerifyAsync"/> before using them: a
/// file whose length and time still equal its stamp's is trusted unread (a start hashes nothing); any other is hashed and
/// compared with its stamp, or with its published checksum where one is known, and deleted when it differs or cannot be
/// checked, so that the setup prepares it again.
/// </summary>
internal sealed record ModelCacheStamp(string Sha256, long Length, long LastWriteTicks)
{
    public const string Suffix = ".stamp";

    public static string PathOf(string file) => file + Suffix;

    /// <summary>The stamp of <paramref name="file"/> as it is now, whose SHA-256 the caller computed.</summary>
    public static ModelCacheStamp Of(string file, string sha256)
    {
        var info = new FileInfo(file);
        return new ModelCacheStamp(sha256, info.Length, info.LastWriteTimeUtc.Ticks);
    }

    public static async Task<string> HashAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    /// <summary>Writes this as the stamp of <paramref name="file"/>, atomically (under a partial name, then renamed).</summary>
    public void Write(string file)
    {
        var path = PathOf(file);
        var partialPath = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            File.WriteAllText(partialPath, string.Create(CultureInfo.InvariantCulture, $"{Sha256} {Length} {LastWriteTicks}\n"));
            File.Move(partialPath, path, overwrite: true);
        }
        finally
        {
            File.Delete(partialPath);
        }
    }

    /// <summary>
    /// Whether <paramref name="file"/> is there and intact: its stamp matches it, or its SHA-256 equals the stamp's (the
    /// stamp is renewed then, so the next check is cheap again). A file that differs, or that has neither a stamp nor
    /// <paramref name="expectedSha256"/> to be checked against (one from an older version), is deleted with its stamp and
    /// the reason logged: false then, as for a missing file.
    /// </summary>
    /// <param name="expectedSha256">The file's published checksum, which its stamp must also carry; null for a file made here.</param>
    public static async Task<bool> VerifyAsync(string file, string? expectedSha256, ILogger logger, CancellationToken cancellationToken)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            return false;
        }
        var stamp = Read(file);
        if (stamp is not null && stamp.Length == info.Length && stamp.LastWriteTicks == info.LastWriteTimeUtc.Ticks
            && (expectedSha256 is null || stamp.Sha256 == expectedSha256))
        {
            return true;
        }
        string problem;
        if ((expectedSha256 ?? stamp?.Sha256) is not { } expected)
        {
            problem = "has no checksum stamp (written by an older version)";
        }
        else
        {
            var actual = await HashAsync(file, cancellationToken);
            if (actual == expected)
            {
                RenewQuietly(new ModelCacheStamp(actual, info.Length, info.LastWriteTimeUtc.Ticks), file, logger);
                return true;
            }
            problem = $"has SHA-256 {actual}, expected {expected}";
        }
        Discard(file, problem, logger);
        return false;
    }

    /// <summary>
    /// Hashes <paramref name="file"/> whatever its stamp says (a change that kept its length and write time, as a disk's
    /// bit rot does, shows only then), and deletes it with its stamp, the reason logged, when its SHA-256 is not the
    /// stamp's: true when it was deleted.
    /// </summary>
    public static async Task<bool> RemoveIfAlteredAsync(string file, ILogger logger, CancellationToken cancellationToken)
    {
        if (Read(file) is not { } stamp || !File.Exists(file))
        {
            return false;
        }
        var actual = await HashAsync(file, cancellationToken);
        if (actual == stamp.Sha256)
        {
            return false;
        }
        Discard(file, $"has SHA-256 {actual}, expected {stamp.Sha256}", logger);
        return true;
    }

    /// <summary>Deletes <paramref name="file"/> and its stamp, so that its setup prepares it again, logging why.</summary>
    private static void Discard(string file, string problem, ILogger logger)
    {
        logger.LogWarning("Model cache file {Path} {Problem}: deleted, to be prepared again", file, problem);
        File.Delete(file);
        File.Delete(PathOf(file));
    }

    /// <summary>
    /// Renews an intact file's stamp where the cache can be written: a read-only copy of a cache (an image's, whose copy
    /// gave its files new times) is still used, hashed at each start.
    /// </summary>
    private static void RenewQuietly(ModelCacheStamp stamp, string file, ILogger logger)
    {
        try
        {
            stamp.Write(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogDebug("Model cache file {Path} is intact but its stamp cannot be renewed ({Error}): it is hashed again at the next start", file, e.Message);
        }
    }

    /// <summary>The stamp of <paramref name="file"/>; null where there is none or it is unreadable (it is then checked as one without).</summary>
    private static ModelCacheStamp? Read(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(PathOf(file));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return text.Split(' ', StringSplitOptions.TrimEntries) is [var sha256, var length, var ticks]
            && sha256.Length == 64
            && long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedLength)
            && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var parsedTicks)
                ? new ModelCacheStamp(sha256, parsedLength, parsedTicks)
                : null;
    }
}
