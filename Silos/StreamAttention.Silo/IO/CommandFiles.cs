namespace StreamAttention.Silo.IO;

/// <summary>
/// A command's paths, checked before any work: a mistyped path fails at once with a clear message (exit code 2)
/// rather than with a stack trace, possibly after all the scoring.
/// </summary>
public static class CommandFiles
{
    /// <summary>Whether every input exists and the output, if any, has a directory to go into; reports the first problem.</summary>
    public static bool Check(string command, IEnumerable<FileInfo> inputs, FileInfo? output, TextWriter log)
    {
        foreach (var file in inputs.Where(f => !f.Exists))
        {
            log.WriteLine($"{command}: file not found: {file.FullName}");
            return false;
        }
        if (output?.Directory is { Exists: false } directory)
        {
            log.WriteLine($"{command}: output directory not found: {directory.FullName}");
            return false;
        }
        // Writing the output would empty that input before it is read.
        if (output is not null && inputs.FirstOrDefault(input => SameFile(input, output)) is { } overwritten)
        {
            log.WriteLine($"{command}: the output is an input file: {overwritten.FullName}");
            return false;
        }
        return true;
    }

    /// <summary>Whether two paths name one file, also through symbolic links to it or to a directory above it (a hard link is not seen).</summary>
    private static bool SameFile(FileInfo first, FileInfo second) => Resolved(first.FullName) == Resolved(second.FullName);

    /// <summary>The path with every symbolic link along it replaced by what it points to, component by component.</summary>
    private static string Resolved(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "";
        var resolved = root;
        foreach (var part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            resolved = Path.Combine(resolved, part);
            var entry = new FileInfo(resolved);
            if (entry.LinkTarget is not null && entry.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                resolved = target.FullName;
            }
        }
        return resolved;
    }
}
