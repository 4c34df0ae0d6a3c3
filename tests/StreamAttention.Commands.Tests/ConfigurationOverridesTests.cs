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
        var environment = new System.Collections.Hashtable
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
            ConfigurationOverrides.UnreadSettings(arguments, environment, [_files.Path("appsettings.json")], SettingKeys.OfStreamAttention));
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
            ConfigurationOverrides.UnreadSettings(["--Embeddings:Providr=distilled"], new System.Collections.Hashtable(), [settings], SettingKeys.OfStreamAttention));
    }

    [Fact]
    public void A_key_set_by_an_unprefixed_variable_as_every_command_reads_them_that_nothing_reads_is_named_too()
    {
        var environment = new System.Collections.Hashtable
        {
            ["Scoring__DefaultTreshold"] = "0.7",
            ["Scoring__Tier"] = "Fast",
            ["Logging__LogLevel__Default"] = "Warning",
            ["HOME"] = "/root",
        };

        Assert.Equal(
            ["setting 'Scoring:DefaultTreshold' (environment variable Scoring__DefaultTreshold) is read by nothing (did you mean 'Scoring:DefaultThreshold'?)"],
            ConfigurationOverrides.UnreadSettings([], environment, [_files.Path("appsettings.json")], SettingKeys.OfStreamAttention));
    }

    [Fact]
    public void A_prefixed_variable_with_one_underscore_for_a_section_separator_is_named_with_the_variable_it_means()
    {
        var environment = new System.Collections.Hashtable
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
            ConfigurationOverrides.UnreadSettings([], environment, [_files.Path("appsettings.json")], SettingKeys.OfStreamAttention));
    }

    [Fact]
    public void A_key_set_in_the_environments_settings_file_that_nothing_reads_is_named_with_that_file()
    {
        var settings = _files.Write("appsettings.json", """{ "Scoring": { "Tier": "Fast" } }""");
        var production = _files.Write("appsettings.Production.json", """{ "Scoring": { "Tier": "Fast", "Teir": "Cascade" } }""");

        Assert.Equal(
            [$"setting 'Scoring:Teir' (in {production.FullName}) is read by nothing (did you mean 'Scoring:Tier'?)"],
            ConfigurationOverrides.UnreadSettings([], new System.Collections.Hashtable(), [settings, production], SettingKeys.OfStreamAttention));
    }

    [Fact]
    public void A_settings_file_that_does_not_parse_adds_no_warning_and_no_error()
    {
        var settings = _files.Write("appsettings.json", "{ \"Scoring\": ");

        Assert.Empty(ConfigurationOverrides.UnreadSettings([], new System.Collections.Hashtable(), [settings], SettingKeys.OfStreamAttention));
    }

    public void Dispose() => _files.Dispose();
}
