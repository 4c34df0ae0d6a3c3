namespace StreamAttention.Silo.Hosting;

/// <summary>
/// The arguments a command leaves to the configuration (<c>--Section:Key=value</c> or <c>--Section:Key value</c>): one
/// that names no section is a mistyped option (<c>--rates 10</c>), which the configuration would take silently as a
/// setting that nothing reads.
/// </summary>
public static class ConfigurationOverrides
{
    /// <summary>The first argument that is neither a <c>Section:Key</c> override nor the value of one; null when all are.</summary>
    public static string? FirstUnknown(IReadOnlyList<string> arguments)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var prefix = argument.StartsWith("--", StringComparison.Ordinal) ? 2 : argument.StartsWith('/') ? 1 : 0;
            var equals = argument.IndexOf('=');
            var key = equals < 0 ? argument[prefix..] : argument[prefix..equals];
            if (!key.Contains(':') || key.StartsWith(':') || (prefix == 0 && equals < 0))
            {
                return argument;
            }
            if (equals < 0 && prefix > 0)
            {
                // "--Section:Key value": the next argument is its value, whatever it looks like (-0.5).
                i++;
            }
        }
        return null;
    }
}
