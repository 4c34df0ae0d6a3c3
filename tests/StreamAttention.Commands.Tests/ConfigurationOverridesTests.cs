using System.Collections;
using Microsoft.Extensions.Configuration;
using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

public sealed class ConfigurationOverridesTests : IDisposable
{
    private readonly TestFiles _files = new();

    [Theory]
    [InlineData(new string[0], null)]
    [InlineData(new[] { "--Scoring:DefaultThreshold=0.6", "--Cluster:SiloPort", "11112", "/Ingest:Enabled=true", "Auth:Enabled=false" }, null)]
    // A value after its key is the key's, even when it looks like an option.
    [InlineData(new[] { "--Scoring:DefaultThreshold", "-0.5", "--Scoring:Tier=fast" }, null)]
    [InlineData(new[] { "--rates", "10" }, "--rates")]
    [InlineData(new[] { "--Scoring:Tier=fast", "--bogus" }, "--bogus")]
    [InlineData(new[] { "-x" }, "-x")]
    [InlineData(new[] { "stray" }, "stray")]
    [InlineData(new[] { "--:Key=1" }, "--:Key=1")]
    public void An_argument_that_is_no_Section_Key_override_is_unknown(string[] arguments, string? unknown)
        => Assert.Equal(unknown, ConfigurationOverrides.FirstUnknown(arguments));

    [Fact]
    public void A_key_set_on_the_command_line_or_in_the_environment_that_nothing_reads_is_named_once_with_the_key_it_may_be_a_typo_of()
    {
        string[] arguments = ["--Embeddings:Providr=glove", "--Scoring:DefaultThreshold", "0.6", "/embeddings:providr=glove", "--Logging:LogLevel:Default=Warning"];
        var environment = new Hashtable
        {
            ["streamattention_Scoring__DefaultTreshold"] = "0.7",
            ["STREAMATTENTION_Auth__SigningKey"] = "key",
            ["STREAMATTENTION_MODEL_DIR"] = "/models",
        };

        Assert.Equal(
            [
                "setting 'Embeddings:Providr' is read by nothing (did you mean 'Embeddings:Provider'?)",
                "setting 'Scoring:DefaultTreshold' (environment variable streamattention_Scoring__DefaultTreshold) is read by nothing (did you mean 'Scoring:DefaultThreshold'?)",
            ],
            UnreadSettings(arguments, environment));
    }

    [Fact]
    public void A_key_set_in_the_settings_file_that_nothing_reads_is_named_with_the_file_and_one_also_given_elsewhere_once()
    {
        var settings = _files.Write("appsettings.json", """
            {
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "Scoring": { "DefaultTreshold": 0.7, "Tier": "Fast" },
              "Auth": { "ApiKeys": [ { "Nam": "prometheus", "Sha256": "00" } ] },
              "Ingest": { "Consumer": { "security.protocol": "SASL_SSL" } },
              "Embeddings": { "Providr": "glove" }
            }
            """);

        Assert.Equal(
            [
                "setting 'Embeddings:Providr' is read by nothing (did you mean 'Embeddings:Provider'?)",
                $"setting 'Auth:ApiKeys:0:Nam' (in {settings.FullName}) is read by nothing (did you mean 'Auth:ApiKeys:0:Name'?)",
                $"setting 'Scoring:DefaultTreshold' (in {settings.FullName}) is read by nothing (did you mean 'Scoring:DefaultThreshold'?)",
            ],
            UnreadSettings(["--Embeddings:Providr=distilled"], new Hashtable(), settings));
    }

    [Fact]
    public void A_key_set_by_an_unprefixed_variable_as_every_command_reads_them_that_nothing_reads_is_named_too()
    {
        var environment = new Hashtable
        {
            ["Scoring__DefaultTreshold"] = "0.7",
            ["Scoring__Tier"] = "Fast",
            ["Logging__LogLevel__Default"] = "Warning",
            ["HOME"] = "/root",
        };

        Assert.Equal(
            ["setting 'Scoring:DefaultTreshold' (environment variable Scoring__DefaultTreshold) is read by nothing (did you mean 'Scoring:DefaultThreshold'?)"],
            UnreadSettings([], environment));
    }

    [Fact]
    public void A_prefixed_variable_with_one_underscore_for_a_section_separator_is_named_with_the_variable_it_means()
    {
        var environment = new Hashtable
        {
            ["STREAMATTENTION_Scoring_DefaultThreshold"] = "0.7",
            ["STREAMATTENTION_Cluster_Membership_ProbeTimout"] = "00:00:05",
            ["STREAMATTENTION__Scoring__Tier"] = "Fast",
            // Neither sets a key under a section of ours, however its underscores are read.
            ["STREAMATTENTION_MODEL_DIR"] = "/models",
            ["CLUSTER_NAME"] = "prod",
        };

        Assert.Equal(
            [
                "setting 'Cluster_Membership_ProbeTimout' (environment variable STREAMATTENTION_Cluster_Membership_ProbeTimout) is read by nothing (did you mean STREAMATTENTION_Cluster__Membership__ProbeTimeout?)",
                "setting 'Scoring_DefaultThreshold' (environment variable STREAMATTENTION_Scoring_DefaultThreshold) is read by nothing (did you mean STREAMATTENTION_Scoring__DefaultThreshold?)",
                "setting 'STREAMATTENTION:Scoring:Tier' (environment variable STREAMATTENTION__Scoring__Tier) is read by nothing (did you mean STREAMATTENTION_Scoring__Tier?)",
            ],
            UnreadSettings([], environment));
    }

    [Fact]
    public void A_key_set_in_the_environments_settings_file_that_nothing_reads_is_named_with_that_file()
    {
        var settings = _files.Write("appsettings.json", """{ "Scoring": { "Tier": "Fast" } }""");
        var production = _files.Write("appsettings.Production.json", """{ "Scoring": { "Tier": "Fast", "Teir": "Cascade" } }""");

        Assert.Equal(
            [$"setting 'Scoring:Teir' (in {production.FullName}) is read by nothing (did you mean 'Scoring:Tier'?)"],
            UnreadSettings([], new Hashtable(), settings, production));
    }

    [Fact]
    public void A_key_that_nothing_reads_set_in_both_settings_files_is_named_with_the_one_whose_value_applies()
    {
        var settings = _files.Write("appsettings.json", """{ "Scoring": { "Teir": "Fast" } }""");
        var production = _files.Write("appsettings.Production.json", """{ "Scoring": { "Teir": "Cascade" } }""");

        Assert.Equal(
            [$"setting 'Scoring:Teir' (in {production.FullName}) is read by nothing (did you mean 'Scoring:Tier'?)"],
            UnreadSettings([], new Hashtable(), settings, production));
    }

    [Fact]
    public void A_variable_whose_prefix_is_a_typo_of_STREAMATTENTION_is_named_with_the_prefix_it_means()
    {
        var environment = new Hashtable
        {
            ["STREAMATENTION_Scoring__DefaultThreshold"] = "0.9",
            ["streamattentoin_Cluster__SiloPort"] = "11112",
            // The prefix itself (the variable is read), a word far from it, and one near it that sets no key.
            ["STREAMATTENTION_Scoring__Tier"] = "Fast",
            ["STREAM_Scoring__Tier"] = "Fast",
            ["STREAMATENTION_MODEL_DIR"] = "/models",
        };

        Assert.Equal(
            [
                "environment variable STREAMATENTION_Scoring__DefaultThreshold is read by nothing: its prefix is not STREAMATTENTION_ (did you mean STREAMATTENTION_Scoring__DefaultThreshold?)",
                "environment variable streamattentoin_Cluster__SiloPort is read by nothing: its prefix is not STREAMATTENTION_ (did you mean STREAMATTENTION_Cluster__SiloPort?)",
            ],
            UnreadSettings([], environment));
    }

    [Fact]
    public void The_variables_Kubernetes_sets_for_a_service_whose_name_starts_with_streamattention_are_no_settings()
    {
        // What a pod gets for a Service named streamattention-ingest (ports named kafka, 9000/TCP, and http, 8081/TCP) and
        // one named streamattention-cluster (11111/UDP).
        var environment = new Hashtable
        {
            ["STREAMATTENTION_INGEST_SERVICE_HOST"] = "10.0.0.11",
            ["STREAMATTENTION_INGEST_SERVICE_PORT"] = "9000",
            ["STREAMATTENTION_INGEST_SERVICE_PORT_KAFKA"] = "9000",
            ["STREAMATTENTION_INGEST_SERVICE_PORT_HTTP"] = "8081",
            ["STREAMATTENTION_INGEST_PORT"] = "tcp://10.0.0.11:9000",
            ["STREAMATTENTION_INGEST_PORT_9000_TCP"] = "tcp://10.0.0.11:9000",
            ["STREAMATTENTION_INGEST_PORT_9000_TCP_PROTO"] = "tcp",
            ["STREAMATTENTION_INGEST_PORT_9000_TCP_PORT"] = "9000",
            ["STREAMATTENTION_INGEST_PORT_9000_TCP_ADDR"] = "10.0.0.11",
            ["STREAMATTENTION_INGEST_PORT_8081_TCP_ADDR"] = "10.0.0.11",
            ["STREAMATTENTION_CLUSTER_SERVICE_HOST"] = "10.0.0.12",
            ["STREAMATTENTION_CLUSTER_PORT_11111_UDP"] = "udp://10.0.0.12:11111",
            // An operator's typo of the same shape as the others is still one.
            ["STREAMATTENTION_Ingest_MaxBatchWait"] = "00:00:00.050",
        };

        Assert.Equal(
            ["setting 'Ingest_MaxBatchWait' (environment variable STREAMATTENTION_Ingest_MaxBatchWait) is read by nothing (did you mean STREAMATTENTION_Ingest__MaxBatchWait?)"],
            UnreadSettings([], environment));
    }

    [Fact]
    public void A_section_variable_whose_key_ends_as_a_Kubernetes_port_variable_does_is_still_named()
    {
        // Kubernetes derives its variables from a Service's name, which has no "__": this is a typo of Cluster:SiloPort.
        var environment = new Hashtable { ["STREAMATTENTION_CLUSTER__SILO_PORT"] = "11112" };

        Assert.Equal(
            ["setting 'CLUSTER:SILO_PORT' (environment variable STREAMATTENTION_CLUSTER__SILO_PORT) is read by nothing (did you mean 'Cluster:SiloPort'?)"],
            UnreadSettings([], environment));
    }

    public void Dispose() => _files.Dispose();

    /// <summary><see cref="ConfigurationOverrides.UnreadSettings"/> in a configuration of these files and overrides, as the hosts read them.</summary>
    internal static List<string> UnreadSettings(string[] arguments, IDictionary environment, params FileInfo[] settingsFiles)
    {
        using var configuration = new ConfigurationManager();
        foreach (var file in settingsFiles)
        {
            configuration.AddJsonFile(file.FullName, optional: true);
        }
        configuration.AddCommandLine(arguments);
        return ConfigurationOverrides.UnreadSettings(configuration, environment, SettingKeys.OfStreamAttention).ToList();
    }
}
