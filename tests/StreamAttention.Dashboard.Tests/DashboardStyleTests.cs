using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.FileProviders;
using StreamAttention.Server.Apis;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// The page's palette as its style sheet declares it (the :root custom properties), checked against WCAG 2.2's
/// contrast minimums: 4.5:1 for text, 3:1 for what tells a control, its focus or a chart's line apart (1.4.3, 1.4.11).
/// </summary>
public sealed partial class DashboardStyleTests
{
    private static readonly string StyleSheet = ReadPageFile("dashboard.css");

    [Theory]
    // Text on the page's and the panels' backgrounds (4.5:1): body text, muted labels, links, the badges' and deliveries'
    // states; a button's label, and a match's score (the page's background colour on --out).
    [InlineData("--text", "--bg", 4.5)]
    [InlineData("--text", "--panel", 4.5)]
    [InlineData("--muted", "--bg", 4.5)]
    [InlineData("--muted", "--panel", 4.5)]
    [InlineData("--in", "--bg", 4.5)]
    [InlineData("--in", "--panel", 4.5)]
    [InlineData("--out", "--bg", 4.5)]
    [InlineData("--out", "--panel", 4.5)]
    [InlineData("--p95", "--panel", 4.5)]
    [InlineData("--p99", "--panel", 4.5)]
    [InlineData("--p99", "--bg", 4.5)] // the header's badges: "live feed off", "signed out"
    [InlineData("--text", "--button", 4.5)]
    [InlineData("--bg", "--out", 4.5)]
    // What tells a control apart (3:1): a field's border is all that shows where it is; the focus ring, where focus is;
    // the charts' lines, their values.
    [InlineData("--control", "--bg", 3)]
    [InlineData("--control", "--panel", 3)]
    [InlineData("--focus", "--bg", 3)]
    [InlineData("--focus", "--panel", 3)]
    [InlineData("--p50", "--panel", 3)]
    public void The_palettes_colours_have_WCAGs_contrast_on_their_backgrounds(string colour, string background, double minimum)
    {
        var ratio = ContrastRatio(Colour(colour), Colour(background));
        Assert.True(ratio >= minimum, $"{colour} on {background}: {ratio:0.00}:1, below {minimum}:1");
    }

    [Fact]
    public void Fields_are_drawn_with_the_control_border_and_every_focused_control_with_the_focus_ring()
    {
        // The colours above are checked only if they are the ones drawn: --line, the fields' border before, was 1.3:1.
        Assert.Matches(@"input, button \{[^}]*border: 1px solid var\(--control\)", StyleSheet);
        Assert.Matches(@":focus-visible \{ outline: 2px solid var\(--focus\)", StyleSheet);
    }

    /// <summary>A colour the :root rule declares (#rrggbb), as its three channels from 0 to 1.</summary>
    private static (double R, double G, double B) Colour(string property)
    {
        var root = RootRule().Match(StyleSheet);
        Assert.True(root.Success, "dashboard.css has no :root rule");
        var declaration = Regex.Match(root.Value, $@"{Regex.Escape(property)}: #([0-9a-fA-F]{{6}});");
        Assert.True(declaration.Success, $"the :root rule declares no colour {property}");
        var hex = declaration.Groups[1].Value;
        double Channel(int at) => int.Parse(hex.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
        return (Channel(0), Channel(2), Channel(4));
    }

    /// <summary>WCAG's contrast ratio: (L1 + 0.05) / (L2 + 0.05) of the lighter and the darker relative luminance.</summary>
    private static double ContrastRatio((double R, double G, double B) a, (double R, double G, double B) b)
    {
        var (lighter, darker) = (Math.Max(Luminance(a), Luminance(b)), Math.Min(Luminance(a), Luminance(b)));
        return (lighter + 0.05) / (darker + 0.05);

        static double Luminance((double R, double G, double B) c) => 0.2126 * Linear(c.R) + 0.7152 * Linear(c.G) + 0.0722 * Linear(c.B);
        static double Linear(double channel) => channel <= 0.03928 ? channel / 12.92 : Math.Pow((channel + 0.055) / 1.055, 2.4);
    }

    /// <summary>One of the page's files as the silo serves it (embedded in the server's assembly).</summary>
    private static string ReadPageFile(string name)
    {
        var file = new ManifestEmbeddedFileProvider(typeof(DashboardApi).Assembly, "Dashboard/web").GetFileInfo(name);
        using var reader = new StreamReader(file.CreateReadStream());
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@":root \{[^}]*\}")]
    private static partial Regex RootRule();
}
