using System.Text.RegularExpressions;

namespace StreamAttention.Evaluation.Tests;

/// <summary>Stand-ins the evaluation tests share; production code takes the real tokenizer as a delegate.</summary>
internal static partial class TestText
{
    /// <summary>Lower-cased runs of letters and digits: enough for BM25 tests without depending on the real tokenizer.</summary>
    public static IReadOnlyList<string> Words(string text) =>
        WordPattern().Matches(text.ToLowerInvariant()).Select(match => match.Value).ToList();

    /// <summary>The repository root: the nearest directory above the test binaries that holds StreamAttention.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StreamAttention.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No StreamAttention.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
