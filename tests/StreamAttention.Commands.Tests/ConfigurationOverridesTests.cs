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
}
