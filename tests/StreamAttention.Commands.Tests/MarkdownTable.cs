namespace StreamAttention.Commands.Tests;

/// <summary>A table of a markdown document: its header's cells and each row's, trimmed.</summary>
public sealed record MarkdownTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>The tables of a document: runs of lines starting with <c>|</c> whose second line is the delimiter row, outside code blocks.</summary>
    public static IEnumerable<MarkdownTable> In(FileInfo document)
    {
        var inCode = false;
        var run = new List<string>();
        foreach (var line in File.ReadLines(document.FullName).Append(""))
        {
            inCode ^= line.StartsWith("```", StringComparison.Ordinal);
            if (!inCode && line.StartsWith('|'))
            {
                run.Add(line);
                continue;
            }
            if (run is [var header, var delimiter, .. var rows] && delimiter.StartsWith("|--", StringComparison.Ordinal))
            {
                yield return new MarkdownTable(Cells(header), rows.Select(Cells).ToList());
            }
            run.Clear();
        }
    }

    /// <summary>The code spans of a cell (<c>`…`</c>), in order.</summary>
    public static IEnumerable<string> CodeSpans(string cell) => cell.Split('`').Where((_, i) => i % 2 == 1);

    /// <summary>A row's cells: split at each <c>|</c> but an escaped one (<c>\|</c>, which stays in its cell).</summary>
    private static IReadOnlyList<string> Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        for (var i = 1; i < line.Length; i++)
        {
            if (line[i] == '|' && line[i - 1] != '\\')
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(line[i]);
            }
        }
        return cells;
    }
}
