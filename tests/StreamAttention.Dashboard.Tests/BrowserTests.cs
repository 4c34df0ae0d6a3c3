using System.Text.Json;
using System.Text.Json.Nodes;
using StreamAttention.Server.Security;
using Xunit.Abstractions;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core (installed with `npm ci`
/// beside the driver script in the output folder; never a downloaded browser).
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class BrowserTests(SiloHostFixture host, ITestOutputHelper output)
{
    private const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Where the screenshot goes: TestResults/ under the test output folder.</summary>
    public static readonly string ScreenshotPath = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard-live-match.png");

    private static readonly string BrowserFolder = Path.Combine(AppContext.BaseDirectory, "browser");
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Bounds the whole browser run; each of its steps has its own 30 s bound.</summary>
    private static readonly TimeSpan DriverTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task An_interest_added_in_the_editor_shows_its_match_live_with_highlighted_words_and_feedback_buttons_and_the_default_page_streams_every_user()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install the Debian package 'chromium'");
        await InstallDriverAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        File.Delete(ScreenshotPath);

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(DriverTimeout, "node",
            Path.Combine(BrowserFolder, "drive-dashboard.mjs"), host.BaseAddress.ToString().TrimEnd('/'), "browser-user", ScreenshotPath, TestAuth.OperatorToken);
        Assert.True(exitCode == 0, $"the browser driver failed ({exitCode}): {stderr}{stdout}");
        output.WriteLine($"screenshot: {ScreenshotPath}");

        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Equal(200, (int)result["scored"]!);
        Assert.Equal(Texts.DatabaseMessage, (string?)result["text"]);
        var marks = result["marks"]!.AsArray().Select(m => (string?)m).ToArray();
        Assert.Contains("postgresql", marks);
        Assert.Contains("database", marks);
        Assert.Equal("1", (string?)result["rate"]);
        Assert.Equal(0, (int)result["remaining"]!);
        // Opened without ?user=, the page shows every user's stream and edits the user of the first match it streamed.
        Assert.True((bool)result["overviewAllUsers"]!);
        Assert.Equal((string?)result["firstStreamedUser"], (string?)result["overviewUser"]);
        Assert.Equal("immediate", (string?)result["delivery"]);
        Assert.Contains("threshold of db now", (string?)result["feedbackTitle"]);
        var feedback = Assert.Single(result["feedback"]!.AsArray())!;
        Assert.Equal((1, 1), ((int)feedback["notRelevant"]!, (int)feedback["notLikeThis"]!));
        // The require list typed in the editor is stored normalised, shown in the table, loaded and put back into the form.
        Assert.Equal(["postgresql", "database"], result["storedRequire"]!.AsArray().Select(t => (string?)t));
        Assert.Equal("postgresql, database", (string?)result["shownRequire"]);
        Assert.Equal("postgresql, database", (string?)result["loadedRequire"]);
        Assert.Equal("postgresql, database", (string?)result["editedRequire"]);
        // A refused edit shows the API's problem with its field and changes nothing.
        Assert.Equal("exclude: 'database' is both required and excluded, so nothing could match", (string?)result["refused"]);
        Assert.Null(result["afterRefusal"]!["exclude"]);
        Assert.Equal(["postgresql", "database"], result["afterRefusal"]!["require"]!.AsArray().Select(t => (string?)t));
        // A match sent again on the stream (the same match id) is listed once.
        Assert.Equal(1, (int)result["repeatedShown"]!);
        Assert.Empty(result["errors"]!.AsArray());
        Assert.True(new FileInfo(ScreenshotPath).Length > 0);
    }

    /// <summary>
    /// The page with a live match, audited as an on-call engineer meets it on a keyboard, a screen reader or a phone:
    /// axe-core's WCAG 2.0/2.1 A and AA rules, with no exceptions, on a desktop and a 360-pixel-wide screen; an interest
    /// added, a match given 👎 and the interest removed with the keyboard alone, each control focused showing where
    /// focus is and named for what it does, focus kept on a ✕ as a match redraws the interests' rows; the match announced politely without taking focus; and on the phone no
    /// page-wide horizontal scrolling, every control within the screen and at least 24 pixels square (WCAG 2.2's
    /// minimum target), and no arrival animation under reduced motion.
    /// </summary>
    [Fact]
    public async Task The_page_with_a_live_match_passes_WCAG_A_and_AA_rules_works_by_keyboard_alone_announces_matches_and_fits_a_phone()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install the Debian package 'chromium'");
        await InstallDriverAsync();

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(DriverTimeout, "node", Path.Combine(BrowserFolder, "drive-accessibility.mjs"),
            host.BaseAddress.ToString().TrimEnd('/'), "browser-a11y", TestAuth.OperatorToken);
        Assert.True(exitCode == 0, $"the browser driver failed ({exitCode}): {stderr}{stdout}");
        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        output.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        Assert.True(result["deskViolations"]!.AsArray().Count == 0, $"axe on the desktop page: {result["deskViolations"]}");
        Assert.True(result["phoneViolations"]!.AsArray().Count == 0, $"axe on the 360-pixel page: {result["phoneViolations"]}");
        // The keyboard alone added the interest, gave the feedback and removed the interest; focus stayed on the page.
        Assert.Equal("postgresql database performance tuning", (string?)result["storedByKeyboard"]);
        // A match's arrival made the interests' rows anew while a ✕ had focus: the new row's ✕ has it.
        Assert.Equal("- button \"remove a11y-db\": ✕", (string?)result["focusedBeforeRebuild"]);
        Assert.Equal((string?)result["focusedBeforeRebuild"], (string?)result["focusedAfterRebuild"]);
        var feedback = Assert.Single(result["feedback"]!.AsArray())!;
        Assert.Equal(1, (int)feedback["notRelevant"]!);
        // Each button is named for what it does (its symbol is its text), the feedback's also for what it did.
        Assert.Equal("- button \"not like this\": 👎", (string?)result["feedbackButtonName"]);
        Assert.Contains("button \"not like this: threshold of a11y-db now", (string?)result["afterFeedback"]);
        Assert.Equal("- button \"remove a11y-db\": ✕", (string?)result["removeButtonName"]);
        Assert.Equal("- button \"edit a11y-db\": ✎", (string?)result["editButtonName"]);
        Assert.Equal("interest-id", (string?)result["afterRemoval"]);
        var walk = result["walk"]!.AsArray();
        Assert.All(walk, step => Assert.True((bool)step!["indicator"]!, $"no focus indicator on {step["element"]}"));
        Assert.All(walk, step => Assert.DoesNotMatch("^- \\w+$", (string?)step!["element"])); // a role without a name
        // The match was announced (a polite live region) and focus stayed in the editor; its words are underlined too.
        Assert.Equal("polite", (string?)result["live"]);
        Assert.True((bool)result["focusKeptOnArrival"]!);
        Assert.Equal("underline", (string?)result["markStyle"]!["textDecoration"]);
        Assert.Contains("score", (string?)result["matchSnapshot"]);
        // The phone: no page-wide horizontal scrolling, every control reachable and big enough for a finger, no animation,
        // dark native controls.
        Assert.Equal(360, (int)result["pageWidth"]!);
        Assert.Empty(result["offScreen"]!.AsArray());
        Assert.True(result["smallTargets"]!.AsArray().Count == 0, $"controls smaller than 24 x 24 pixels: {result["smallTargets"]}");
        Assert.Equal("none", (string?)result["arrivalAnimation"]);
        Assert.Equal("dark", (string?)result["colorScheme"]);
        Assert.Empty(result["errors"]!.AsArray());
    }

    [Fact]
    public async Task A_tenant_users_interests_are_edited_under_its_tenant_and_a_users_page_opens_on_its_own_stream()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install the Debian package 'chromium'");
        await InstallDriverAsync();

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(DriverTimeout, "node", Path.Combine(BrowserFolder, "drive-dashboard-tenants.mjs"),
            host.BaseAddress.ToString().TrimEnd('/'), "acme", "browser-dave", TestAuth.OperatorToken, TestAuth.Token(Roles.User, "acme", "browser-dave"));
        Assert.True(exitCode == 0, $"the browser driver failed ({exitCode}): {stderr}{stdout}");

        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        // The page used /users/acme%2Fbrowser-dave, which the API refuses: the editor showed the problem and stored nothing.
        Assert.Equal("streaming: acme/browser-dave", (string?)result["operatorStream"]);
        Assert.Equal(["tenant-db"], result["storedByOperator"]!.AsArray().Select(i => (string?)i));
        Assert.Equal("", (string?)result["editorError"]);
        // A user may not read every user's stream: its page opens on its own, by the id of its token.
        Assert.Equal(("streaming: browser-dave", "browser-dave"), ((string?)result["userStream"], (string?)result["userField"]));
        Assert.Equal((false, true), ((bool)result["allUsers"]!["checked"]!, (bool)result["allUsers"]!["disabled"]!));
        Assert.Empty(result["remaining"]!.AsArray());
        Assert.Empty(result["errors"]!.AsArray());
    }

    [Fact]
    public async Task Highlights_mark_the_words_as_the_message_writes_them_whatever_their_Unicode_form()
    {
        // The silo's highlights are folded ("strasse", "db1"; "echec" from an uncased model), the text is as written:
        // the page compared them lowercased only, and marked none of these.
        var marks = await MarkedWordsAsync("Straße ＤＢ１ échec e\u0301tat ﬁle unmarked", ["strasse", "db1", "echec", "état", "file"]);

        Assert.Equal(["Straße", "ＤＢ１", "échec", "e\u0301tat", "ﬁle"], marks);
    }

    [Fact]
    public async Task Highlights_mark_each_Chinese_or_Japanese_character_the_silo_reports_as_a_word()
    {
        // The silo reads each ideograph and kana as a word ("東京駅" is "東", "京", "駅"): the page compared whole runs
        // of letters ("東京駅で遅延", "DB東京") and marked none of them.
        var marks = await MarkedWordsAsync("DB東京駅で遅延 replication", ["東", "京", "遅", "延", "db"]);

        Assert.Equal(["DB", "東", "京", "遅", "延"], marks);
    }

    /// <summary>
    /// The edge cases where the page cut words otherwise than the silo, each marking nothing or another span before:
    /// apostrophes (the word tokenizer joins them, a typographic one spelt ', and drops a trailing "'s"; the WordPiece
    /// models cut at them), numbers that are not decimal digits once folded ("½" cuts "size½"; "²" is "2"), and a
    /// combining mark at a word's start, which the silo reads as part of it.
    /// </summary>
    [Theory]
    [InlineData("Don’t stop", new[] { "don't" }, new[] { "Don’t" })]
    [InlineData("rock'n'roll radio", new[] { "rock'n'roll" }, new[] { "rock'n'roll" })]
    [InlineData("the server's disk", new[] { "server" }, new[] { "server" })]
    [InlineData("don't panic", new[] { "don", "panic" }, new[] { "don", "panic" })]
    [InlineData("size½ x²", new[] { "size", "x2" }, new[] { "size", "x²" })]
    [InlineData("x \u0301etat", new[] { "etat" }, new[] { "\u0301etat" })]
    public async Task Highlights_mark_the_words_the_silo_cut_where_the_page_cut_otherwise(string text, string[] highlights, string[] marked)
    {
        Assert.Equal(marked, await MarkedWordsAsync(text, highlights));
    }

    /// <summary>The words the dashboard's own <c>highlighted()</c> marks in <paramref name="text"/>, in Chromium.</summary>
    private async Task<string[]> MarkedWordsAsync(string text, string[] highlights)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install the Debian package 'chromium'");
        await InstallDriverAsync();

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(DriverTimeout, "node", Path.Combine(BrowserFolder, "drive-highlights.mjs"),
            host.BaseAddress.ToString().TrimEnd('/'), TestAuth.OperatorToken, text, JsonSerializer.Serialize(highlights));
        Assert.True(exitCode == 0, $"the browser driver failed ({exitCode}): {stderr}{stdout}");

        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Empty(result["errors"]!.AsArray());
        return result["marks"]!.AsArray().Select(m => (string)m!).ToArray();
    }

    private static async Task InstallDriverAsync()
    {
        // An output folder installed before a package was added to package.json lacks it: install again.
        if (new[] { "playwright-core", "axe-core" }.All(package => Directory.Exists(Path.Combine(BrowserFolder, "node_modules", package))))
        {
            return;
        }
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(NpmTimeout, "npm", "ci", "--no-audit", "--no-fund", "--prefix", BrowserFolder);
        Assert.True(exitCode == 0, $"npm ci failed ({exitCode}): {stderr}{stdout}");
    }
}
