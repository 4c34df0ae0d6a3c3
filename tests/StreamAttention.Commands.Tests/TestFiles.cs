using System.Text.Json;

namespace StreamAttention.Commands.Tests;

/// <summary>A temporary directory for a test's input and output files, deleted afterwards.</summary>
public sealed class TestFiles : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("streamattention-silo-tests-");

    public static DirectoryInfo RepositoryRoot { get; } = FindRepositoryRoot();

    public static FileInfo Repository(string relativePath) => new(System.IO.Path.Combine(RepositoryRoot.FullName, relativePath));

    public FileInfo Path(string name) => new(System.IO.Path.Combine(_directory.FullName, name));

    public FileInfo Write(string name, params string[] lines)
    {
        var file = Path(name);
        File.WriteAllLines(file.FullName, lines);
        return file;
    }

    public FileInfo WriteBytes(string name, byte[] content)
    {
        var file = Path(name);
        File.WriteAllBytes(file.FullName, content);
        return file;
    }

    public static List<JsonElement> ReadJsonLines(FileInfo file) => File.ReadLines(file.FullName).Select(ParseJson).ToList();

    /// <summary>A JSON Lines record, so tests spell texts without escaping them by hand.</summary>
    public static string Json(object record) => JsonSerializer.Serialize(record);

    public void Dispose() => _directory.Delete(recursive: true);

    private static JsonElement ParseJson(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    private static DirectoryInfo FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "StreamAttention.sln")))
            {
                return directory;
            }
        }
        throw new InvalidOperationException($"No StreamAttention.sln above {AppContext.BaseDirectory}.");
    }
}
