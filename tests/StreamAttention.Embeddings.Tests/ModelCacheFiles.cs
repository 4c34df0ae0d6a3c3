using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Embeddings.Tests;

/// <summary>Alters files in a test's model cache as a disk or a user would, and stamps one as setup does (its SHA-256, length and write time).</summary>
internal static class ModelCacheFiles
{
    /// <summary>Overwrites <paramref name="count"/> bytes at <paramref name="offset"/> by <paramref name="change"/> of each, keeping the length.</summary>
    public static void Alter(string path, long offset, int count, Func<byte, byte> change)
    {
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            var bytes = new byte[count];
            file.Position = offset;
            file.ReadExactly(bytes);
            file.Position = offset;
            file.Write(bytes.Select(change).ToArray());
        }
        Touch(path);
    }

    public static void Truncate(string path, long length)
    {
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length);
        }
        Touch(path);
    }

    /// <summary>Moves the write time a second on, as any later write does (a write within the file system's clock tick may keep it).</summary>
    public static void Touch(string path) => File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddSeconds(1));

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string StampOf(string path) => path + ".stamp";

    /// <summary>Writes the sidecar stamp setup writes with each prepared file.</summary>
    public static void Stamp(string path)
    {
        var info = new FileInfo(path);
        File.WriteAllText(StampOf(path), string.Create(CultureInfo.InvariantCulture, $"{Sha256(path)} {info.Length} {info.LastWriteTimeUtc.Ticks}\n"));
    }
}

/// <summary>Keeps what is logged, to check what a user is told.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<string> Messages { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Messages)
        {
            Messages.Add(formatter(state, exception));
        }
    }
}
