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
            ["Scoring__Bogus"] = "not ours: no prefix",
        };

        Assert.Equal(
            [
                "setting 'Embeddings:Providr' is read by nothing (did you mean 'Embeddings:Provider'?)",
                "setting 'Scoring:DefaultTreshold' (environment variable streamattention_Scoring__DefaultTreshold) is read by nothing (did you mean 'Scoring:DefaultThreshold'?)",
            ],
            ConfigurationOverrides.UnreadSettings(arguments, environment, _files.Path("appsettings.json"), SettingKeys.OfStreamAttention));
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
            ConfigurationOverrides.UnreadSettings(["--Embeddings:Providr=distilled"], new System.Collections.Hashtable(), settings, SettingKeys.OfStreamAttention));
    }

    [Fact]
    public void A_settings_file_that_does_not_parse_adds_no_warning_and_no_error()
    {
        var settings = _files.Write("appsettings.json", "{ \"Scoring\": ");

        Assert.Empty(ConfigurationOverrides.UnreadSettings([], new System.Collections.Hashtable(), settings, SettingKeys.OfStreamAttention));
    }

    public void Dispose() => _files.Dispose();
}
