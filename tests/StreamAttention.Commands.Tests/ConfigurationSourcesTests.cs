using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// The sources of every host's configuration and of the checks before a command runs, in the README's order (a later
/// source wins): appsettings.json, appsettings.{Environment}.json, <c>Section__Key</c> variables,
/// <c>STREAMATTENTION_Section__Key</c> variables, the command line; each settings file read once.
/// </summary>
public sealed class ConfigurationSourcesTests
{
    private static readonly string[] DocumentedOrder =
    [
        $"file {Path.Combine(AppContext.BaseDirectory, "appsettings.json")}",
        $"file {Path.Combine(AppContext.BaseDirectory, $"appsettings.{StreamAttentionHost.EnvironmentName}.json")}",
        "variables",
        $"variables {StreamAttentionHost.EnvironmentPrefix}",
        "command line",
    ];

    public static TheoryData<string> Hosts => ["command", "silo", "ingest", "checks"];

    [Theory]
    [MemberData(nameof(Hosts))]
    public void A_host_reads_each_settings_file_once_then_the_variables_then_the_command_line_each_over_the_ones_before(string host)
    {
        using var configuration = host switch
        {
            "command" => StreamAttentionHost.CreateBuilder([]).Configuration,
            "silo" => SiloHost.CreateBuilder(TestAuth.Arguments).Configuration,
            "ingest" => IngestHost.CreateBuilder(TestAuth.Arguments).Configuration,
            _ => ConfigurationOverrides.Read([])!,
        };

        // Not of the order: a web host's ASPNETCORE_ and DOTNET_ variables under the first file (its URLS, its environment),
        // and what the hosts set themselves (in memory, and a web host's own settings, chained: urls, applicationName).
        var readFromOutside = ((IConfigurationBuilder)configuration).Sources
            .SkipWhile(source => source is not FileConfigurationSource)
            .Where(source => source is FileConfigurationSource or EnvironmentVariablesConfigurationSource or CommandLineConfigurationSource);
        Assert.Equal(DocumentedOrder, readFromOutside.Select(Describe));
    }

    /// <summary>A source as the documented order names it.</summary>
    private static string Describe(IConfigurationSource source) => source switch
    {
        FileConfigurationSource file => $"file {file.FileProvider?.GetFileInfo(file.Path!).PhysicalPath}",
        EnvironmentVariablesConfigurationSource variables => $"variables {variables.Prefix}".TrimEnd(),
        _ => "command line",
    };
}
