using System.Globalization;
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
    /// axe-core's WCAG 2.0/2.1/2.2 A and AA rules, with no exceptions, on a desktop and a 360-pixel-wide screen; an
    /// interest added, the live list paused and resumed, a match given 👎, the interest removed and a chart's table
    /// opened with the keyboard alone, each control focused showing the page's focus ring and named for what it does,
    /// focus kept on a ✕ as a match redraws the interests' rows; matches summed up politely (one summary for three) without
    /// taking focus; each chart line told by its dash and named in its legend; the page's language and heading levels;
    /// and on the phone no page-wide horizontal scrolling, every control within the screen and at least 24 pixels square
    /// (WCAG 2.2's minimum target), and no arrival animation under reduced motion.
    /// </summary>
    [Fact]
    public async Task The_page_with_a_live_match_passes_WCAG_A_and_AA_rules_works_by_keyboard_alone_sums_up_matches_tells_chart_lines_apart_and_fits_a_phone()
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
        // The page's own focus ring (dashboard.css --focus, 3:1 on its backgrounds), not the browser's faint one.
        Assert.All(walk, step => Assert.Equal("solid 2px rgb(156, 201, 255)", (string?)step!["outline"]));
        // The list is not read match by match: three matches at once were summed up once, by a polite status, and
        // focus stayed in the editor; the matches' words are underlined too.
        Assert.Null(result["live"]!["list"]);
        Assert.Contains("matches-summary polite", result["live"]!["status"]!.AsArray().Select(s => (string?)s));
        Assert.Equal(["3 new matches: 3 for a11y-db"], result["arrivalAnnouncements"]!.AsArray().Select(a => (string?)a));
        Assert.True((bool)result["focusKeptOnArrival"]!);
        // Paused by the keyboard: the status says so, matches arriving are held (not listed) and focus stays on the
        // button, which now resumes; resumed, the held matches are listed and the status says how many were added. One
        // came twice while held (scored again with its source id): held, counted and listed once.
        Assert.Equal("- button \"Resume list\"", (string?)result["pausedName"]);
        Assert.EndsWith("live list paused: new matches are held until it is resumed", (string?)result["pausedStatus"]);
        // The match listed just before the pause was summed up once, by its own summary or (within its 10 s) with the
        // pause; the pause does not drop it.
        Assert.Single(result["announcedFromReplicaToPause"]!.AsArray(), a => ((string)a!).StartsWith("1 new match: 1 for a11y-db", StringComparison.Ordinal));
        Assert.Equal((int)result["listedBeforePause"]!, (int)result["listedWhilePaused"]!);
        Assert.Equal("pause-matches", (string?)result["focusKeptWhilePaused"]);
        Assert.Equal("- button \"Pause list\"", (string?)result["resumedName"]);
        Assert.Equal("live list resumed: 2 matches held while paused added", (string?)result["resumedStatus"]);
        Assert.Equal((int)result["listedBeforePause"]! + 2, (int)result["listedAfterResume"]!);
        Assert.Equal((1, 2), ((int)result["heldListed"]!, (int)result["countedWhilePaused"]!));
        // 200 more matches than the list keeps arrived while its oldest match's user had focus: that one stayed, focused.
        Assert.Equal((200, true), ((int)result["afterFlood"]!["listed"]!, (bool)result["afterFlood"]!["focusKept"]!));
        // Each chart line has a dash of its own, and a legend swatch of its colour drawn with that dash names it.
        AssertLinesTold(result["charts"]!["chart-throughput"]!, ["in", "out"]);
        AssertLinesTold(result["charts"]!["chart-latency"]!, ["p50", "p95", "p99"]);
        // The charts' values as tables, opened by the keyboard: the throughput's newest "out" is the tile's figure, and
        // its highest in the last 2 minutes is above 0 (this test's matches).
        Assert.Contains("Throughput as a table", (string?)result["chartTableName"]);
        var tables = result["chartTable"]!;
        Assert.True((bool)tables["open"]!);
        Assert.Equal(["in", "out"], tables["throughput"]!.AsArray().Select(row => (string?)row![0]));
        Assert.Equal((string?)tables["rateOut"], (string?)tables["throughput"]![1]![1]);
        Assert.True(double.Parse((string)tables["throughput"]![1]![3]!, CultureInfo.InvariantCulture) > 0, $"out's highest: {tables["throughput"]}");
        Assert.Equal(["p50", "p95", "p99"], tables["latency"]!.AsArray().Select(row => (string?)row![0]));
        Assert.NotEmpty(tables["batches"]!.AsArray());
        Assert.Contains("rowheader \"in\"", (string?)result["chartTableSnapshot"]);
        // The page says its language; its headings start at h1 and go down one level at a time.
        Assert.Equal("en", (string?)result["page"]!["lang"]);
        var levels = result["page"]!["headings"]!.AsArray().Select(l => (int)l!).ToArray();
        Assert.Equal(1, levels[0]);
        Assert.All(levels.Zip(levels.Skip(1)), pair => Assert.True(pair.Second <= pair.First + 1, $"h{pair.First} then h{pair.Second}"));
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

    /// <summary>
    /// A chart's lines (colour and dash, as last drawn) against its legend (name, colour, swatch style): as many lines as
    /// named series, no two with one dash, each named by a swatch of its colour that is solid where the line is.
    /// </summary>
    private static void AssertLinesTold(JsonNode chart, string[] names)
    {
        var lines = chart["lines"]!.AsArray().Select(l => ((string)l!["color"]!, (string)l["dash"]!)).ToArray();
        var legend = chart["legend"]!.AsArray().Select(s => ((string)s!["name"]!, (string)s["color"]!, (string)s["style"]!)).ToArray();
        Assert.Equal(names, legend.Select(s => s.Item1));
        Assert.Equal(names.Length, lines.Length);
        Assert.Equal(lines.Length, lines.Select(l => l.Item2).Distinct().Count());
        Assert.Equal(legend.Length, legend.Select(s => s.Item3).Distinct().Count());
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.Equal(legend[i].Item2, lines[i].Item1);
            Assert.Equal(lines[i].Item2 == "", legend[i].Item3 == "solid");
        }
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
