using System.Runtime.InteropServices;

namespace StreamAttention.Silo.IO;

/// <summary>
/// An output that a reader (a script polling for it, a later run loading it) never finds half-written: written to a
/// temporary file beside it, then renamed over it, as the model cache publishes its files. An output that is not a
/// regular file (a named pipe, <c>/dev/stdout</c>, <c>/dev/null</c>) is written in place: it is no file to find later,
/// and a rename would replace it. So is every output off Linux (macOS), where there is no statx(2) to tell them apart.
/// A file replaced keeps its permissions (one made 0600 stays unreadable to others); it belongs to whoever wrote it.
/// </summary>
internal static partial class OutputFile
{
    /// <summary>
    /// Writes <paramref name="file"/> with <paramref name="write"/>; false when <paramref name="cancellationToken"/> was
    /// cancelled before the rename: the temporary file is deleted and <paramref name="file"/> left as it was.
    /// </summary>
    public static bool Write(FileInfo file, Action<TextWriter> write, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux() || !AbsentOrRegular(file.FullName))
        {
            using var inPlace = new StreamWriter(file.FullName);
            write(inPlace);
            return true;
        }
        // A link to a file is kept: the file it names is replaced.
        var target = file.Exists ? file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName : file.FullName;
        var temporary = $"{target}.{Guid.NewGuid():N}.tmp";
        var mode = File.Exists(target) ? File.GetUnixFileMode(target) : (UnixFileMode?)null;
        try
        {
            // Created with the file's permissions, so never readable more widely meanwhile; set again since the umask
            // takes bits off at creation.
            using (var writer = new StreamWriter(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                write(writer);
            }
            if (mode is { } kept)
            {
                File.SetUnixFileMode(temporary, kept);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            File.Move(temporary, target, overwrite: true);
            return true;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Whether nothing is at the path or a regular file is, links followed (statx(2): .NET tells no pipe or device from a file).</summary>
    private static bool AbsentOrRegular(string path)
    {
        const int currentDirectory = -100, statxType = 1, noEntry = 2, modeOffset = 28, typeBits = 0xF000, regularFile = 0x8000;
        Span<byte> status = stackalloc byte[256];
        if (Statx(currentDirectory, path, 0, statxType, ref MemoryMarshal.GetReference(status)) != 0)
        {
            return Marshal.GetLastPInvokeError() == noEntry;
        }
        return (MemoryMarshal.Read<ushort>(status[modeOffset..]) & typeBits) == regularFile;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte status);
}
