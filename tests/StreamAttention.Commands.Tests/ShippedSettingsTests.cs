using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The settings the repository ships (settings files, the deployment's environment variables) set only keys the code
/// reads: a typo there would be ignored silently by every process deployed with it, and warned about only in its log.
/// </summary>
public sealed partial class ShippedSettingsTests
{
    [Fact]
    public void Every_settings_file_sets_only_keys_that_are_read()
    {
        var settingsFiles = RepositoryFiles("appsettings*.json").ToList();

        Assert.Contains(settingsFiles, file => Relative(file) == "Silos/StreamAttention.Silo/appsettings.json");
        // Each parses: the warning passes over one that does not (the host then stops with the parser's error).
        Assert.All(settingsFiles, file => JsonDocument.Parse(File.ReadAllText(file.FullName)).Dispose());
        var unread = settingsFiles.SelectMany(file => ConfigurationOverridesTests.UnreadSettings([], new Hashtable(), file)).ToList();
        Assert.True(unread.Count == 0, string.Join(Environment.NewLine, unread));
    }

    [Fact]
    public void Every_setting_the_deployment_sets_as_an_environment_variable_is_read()
    {
        var deploymentFiles = RepositoryFiles("*", "Deploy").Append(TestFiles.Repository("docker-compose.yml")).ToList();
        var variables = deploymentFiles.ToDictionary(file => file, file => SettingVariable().Matches(File.ReadAllText(file.FullName)).Select(match => match.Value).ToHashSet());

        // The ConfigMap, the compose file, the silos' manifest and the GPU image each set some.
        Assert.Superset(
            new HashSet<string>(["STREAMATTENTION_Ingest__Tenancy__Required", "STREAMATTENTION_Sharding__ShardCount", "STREAMATTENTION_Cluster__AdvertisedAddress", "STREAMATTENTION_Onnx__ExecutionProvider"]),
            variables.Values.SelectMany(names => names).ToHashSet());
        var unread = variables.SelectMany(file =>
            ConfigurationOverridesTests.UnreadSettings([], new Hashtable(file.Value.ToDictionary(name => name, _ => "")))
                .Select(problem => $"{Relative(file.Key)}: {problem}"))
            .ToList();
        Assert.True(unread.Count == 0, string.Join(Environment.NewLine, unread));
    }

    /// <summary>The repository's files named so under a folder, but build outputs and npm's packages.</summary>
    private static IEnumerable<FileInfo> RepositoryFiles(string pattern, string folder = "")
        => new DirectoryInfo(Path.Combine(TestFiles.RepositoryRoot.FullName, folder))
            .EnumerateFiles(pattern, SearchOption.AllDirectories)
            .Where(file => !Relative(file).Split('/').Intersect(["bin", "obj", "node_modules", ".git"]).Any());

    private static string Relative(FileInfo file) => Path.GetRelativePath(TestFiles.RepositoryRoot.FullName, file.FullName).Replace('\\', '/');

    /// <summary>An environment variable setting a key: <c>STREAMATTENTION_Section__Key</c>, or <c>Section__Key</c> as every command also reads.</summary>
    [GeneratedRegex(@"\b(?:STREAMATTENTION_)?[A-Za-z][A-Za-z0-9]*__[A-Za-z0-9_.]*[A-Za-z0-9]")]
    private static partial Regex SettingVariable();
}
