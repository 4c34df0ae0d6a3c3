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
        return true;
    }
}
