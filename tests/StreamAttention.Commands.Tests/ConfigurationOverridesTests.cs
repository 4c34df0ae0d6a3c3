using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

public sealed class ConfigurationOverridesTests
{
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
            ConfigurationOverrides.UnreadSettings(arguments, environment, SettingKeys.OfStreamAttention));
    }
}
