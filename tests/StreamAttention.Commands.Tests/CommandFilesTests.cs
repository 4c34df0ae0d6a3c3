using StreamAttention.Silo.IO;

namespace StreamAttention.Commands.Tests;

/// <summary>The paths a command checks before any work: inputs that exist, an output that goes somewhere and overwrites none of them.</summary>
public sealed class CommandFilesTests : IDisposable
{
    private readonly TestFiles _files = new();

    [Fact]
    public void Accepts_inputs_that_exist_and_an_output_of_its_own()
    {
        var log = new StringWriter();

        var accepted = CommandFiles.Check("score", [_files.Write("interests.jsonl", "{}"), _files.Write("messages.jsonl", "{}")], _files.Path("matches.jsonl"), log);

        Assert.Equal((true, ""), (accepted, log.ToString()));
    }

    [Fact]
    public void Names_the_first_missing_input()
    {
        var missing = _files.Path("messages.jsonl");
        var log = new StringWriter();

        var accepted = CommandFiles.Check("score", [_files.Write("interests.jsonl", "{}"), missing, _files.Path("other.jsonl")], _files.Path("matches.jsonl"), log);

        Assert.Equal((false, $"score: file not found: {missing.FullName}"), (accepted, log.ToString().Trim()));
    }

    [Fact]
    public void Names_a_missing_output_directory()
    {
        var output = _files.Path("no-such-directory/matches.jsonl");
        var log = new StringWriter();

        var accepted = CommandFiles.Check("eval", [_files.Write("labels.jsonl", "{}")], output, log);

        Assert.Equal((false, $"eval: output directory not found: {output.DirectoryName}"), (accepted, log.ToString().Trim()));
    }

    [Fact]
    public void Refuses_an_output_that_is_an_input_however_its_path_is_spelled_and_leaves_the_input_whole()
    {
        var messages = _files.Write("messages.jsonl", "{\"id\":\"m1\",\"text\":\"kept\"}");
        var link = _files.Path("link.jsonl");
        File.CreateSymbolicLink(link.FullName, messages.FullName);
        var spelledOtherwise = new FileInfo(Path.Combine(messages.DirectoryName!, ".", "..", messages.Directory!.Name, messages.Name));
        var linkedDirectory = _files.Path("linked-directory");
        Directory.CreateSymbolicLink(linkedDirectory.FullName, messages.DirectoryName!);
        var throughLinkedDirectory = new FileInfo(Path.Combine(linkedDirectory.FullName, messages.Name));

        foreach (var output in new[] { messages, link, spelledOtherwise, throughLinkedDirectory })
        {
            var log = new StringWriter();

            var accepted = CommandFiles.Check("score", [_files.Write("interests.jsonl", "{}"), messages], output, log);

            Assert.Equal((false, $"score: the output is an input file: {messages.FullName}"), (accepted, log.ToString().Trim()));
        }
        // The other way round: an input given through the link.
        var throughLink = new StringWriter();
        Assert.False(CommandFiles.Check("score", [link], messages, throughLink));
        Assert.Equal($"score: the output is an input file: {link.FullName}", throughLink.ToString().Trim());
        Assert.Equal(["{\"id\":\"m1\",\"text\":\"kept\"}"], File.ReadAllLines(messages.FullName));
    }

    public void Dispose() => _files.Dispose();
}
