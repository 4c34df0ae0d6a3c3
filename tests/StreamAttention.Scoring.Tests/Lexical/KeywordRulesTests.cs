using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Scoring.Tests.Lexical;

public sealed class KeywordRulesTests
{
    private static bool Allows(string message, string[]? require = null, string[]? exclude = null)
        => KeywordRules.Of(require, exclude)!.Allows(LexicalWords.Split(message));

    [Fact]
    public void Words_are_lowercase_runs_of_letters_and_digits_and_keep_numbers_codes_and_stop_words()
        => Assert.Equal(["ora", "01555", "on", "db", "eu", "1", "the", "café", "is", "down"], LexicalWords.Split("ORA-01555 on db-eu-1: the Café is down!"));

    [Theory]
    [InlineData("\u00E9chec de la r\u00E9plication", "r\u00E9plication")]
    [InlineData("e\u0301chec de la re\u0301plication", "r\u00E9plication")]
    [InlineData("\u00E9chec de la r\u00E9plication", "re\u0301plication")]
    [InlineData("Datenbank-Replikation verz\u00F6gert", "VERZO\u0308GERT")]
    [InlineData("\u30A8\u30E9\u30FC\uFF15\uFF10\uFF13 on \uFF24\uFF22\uFF0D\uFF25\uFF35\uFF0D\uFF11", "db-eu-1")]
    [InlineData("\u30A8\u30E9\u30FC\uFF15\uFF10\uFF13 on db-eu-1", "503")]
    [InlineData("STRASSE gesperrt", "stra\u00DFe")]
    [InlineData("net\u200Dwork down", "network")]
    // Turkish capital dotted I: case folding gives "i" and a combining dot above, which a soft-dotted "i" drops.
    [InlineData("\u0130STANBUL ofisi kapal\u0131", "istanbul")]
    [InlineData("istanbul ofisi", "\u0130stanbul")]
    [InlineData("I\u0307STANBUL ofisi", "istanbul")]
    public void A_term_matches_the_same_word_in_another_Unicode_form(string message, string term)
        => Assert.True(Allows(message, require: [term]));

    [Theory]
    [InlineData("\u30C7\u30FC\u30BF\u30D9\u30FC\u30B9\u306E\u30EC\u30D7\u30EA\u30B1\u30FC\u30B7\u30E7\u30F3\u304C\u9045\u5EF6\u3057\u3066\u3044\u307E\u3059", true)]
    [InlineData("\u6570\u636E\u5E93\u590D\u5236\u5EF6\u8FDF", false)]
    [InlineData("\u30EC\u30D7\u30EA\u30B1\u30FC\u30B7\u30E7\u30F3\u304C\u6B63\u5E38", false)]
    public void A_Japanese_term_matches_inside_text_written_without_spaces(string message, bool allowed)
        => Assert.Equal(allowed, Allows(message, require: ["\u30EC\u30D7\u30EA\u30B1\u30FC\u30B7\u30E7\u30F3\u304C\u9045\u5EF6"]));

    [Fact]
    public void A_letter_outside_the_basic_plane_is_one_letter_and_a_lone_surrogate_a_boundary()
    {
        // U+20BB7 (a Han ideograph, two UTF-16 units) and U+1D400 (mathematical bold A, folded to "a").
        Assert.Equal(["\U00020BB7", "\u91CE", "abc", "x", "y"], LexicalWords.Split("\U00020BB7\u91CE \U0001D400bc x\uD800y"));
        Assert.True(Allows("\U00020BB7\u91CE\u5C4B", require: ["\U00020BB7\u91CE"]));
    }

    // The README's ops terms: hosts, regions, versions, addresses, status codes and pods, each at word boundaries.
    [Theory]
    [InlineData("eu-west-1", "host db-07.eu-west-1.internal down", true)]
    [InlineData("eu-west-1", "REGION=EU_WEST_1", true)]
    [InlineData("eu-west-1", "host db-07.eu-west-12.internal down", false)]
    [InlineData("eu-west-1", "zone eu-west-1a degraded", false)]
    [InlineData("v2.14.1", "deployed v2.14.1-rc1", true)]
    [InlineData("v2.14.1", "deployed v2.14.10", false)]
    [InlineData("10.0.3.7", "connect to 10.0.3.7:5432 refused", true)]
    [InlineData("10.0.3.7", "connect to 10.0.3.70:5432 refused", false)]
    [InlineData("503", "bytes=15030 status=200", false)]
    [InlineData("503", "latency 503ms", false)]
    [InlineData("HTTP 503", "upstream answered HTTP 503", true)]
    [InlineData("HTTP 503", "\"GET / HTTP/1.1\" 503 0", false)]
    [InlineData("payments-api", "pod payments-api-7d9f8 OOMKilled", true)]
    [InlineData("E11000", "{\"code\":\"E11000\",\"msg\":\"duplicate key\"}", true)]
    [InlineData("0x80070005", "HRESULT 0x80070005 access denied", true)]
    public void Ops_terms_match_at_word_boundaries(string term, string message, bool allowed)
        => Assert.Equal(allowed, Allows(message, require: [term]));

    // Terminal colours (SGR), grep --color's marks inside a word and an OSC 8 hyperlink: a log line copied or piped
    // from a terminal keeps them, and their letters ("31m") would otherwise glue onto the next word.
    [Theory]
    [InlineData("\u001B[31mORA-00600\u001B[0m internal error on db-07", "ora-00600")]
    [InlineData("\u001B[1;31mERROR\u001B[0m \u001B[36mpayments-api-7d9f8\u001B[0m crashed", "payments-api")]
    [InlineData("pod payments-\u001B[01;31m\u001B[Kapi\u001B[m\u001B[K-7d9f8 restarted", "payments-api")]
    [InlineData("see \u001B]8;;https://runbook/ora\u0007ORA-00600\u001B]8;;\u001B\\ runbook", "ORA-00600")]
    [InlineData("region=\u001B[33meu-west-1\u001B[39m status=HTTP 503", "eu-west-1")]
    public void A_term_matches_through_terminal_escape_sequences(string message, string term)
    {
        Assert.True(Allows(message, require: [term]));
        Assert.False(Allows(message, exclude: [term]));
    }

    // tput sgr0 under xterm's terminfo writes ESC ( B before ESC [ m, and ESC 7 / ESC 8 save and restore the cursor:
    // escape sequences of ECMA-35 (ESC, intermediates 0x20-0x2F, a final 0x30-0x7E) whose final letter would otherwise
    // glue onto the next word ("bpayments").
    [Theory]
    [InlineData("\u001B[31mERROR:\u001B(B\u001B[m \u001B[1mpod\u001B(B\u001B[m \u001B(B\u001B[mpayments-api-7d9f8 crashed", "payments-api")]
    [InlineData("\u001B7payments-api\u001B8 restarted", "payments-api")]
    [InlineData("\u001B)0\u001B#8payments-api restarted", "payments-api")]
    public void A_term_matches_after_two_character_escape_sequences(string message, string term)
        => Assert.True(Allows(message, require: [term]));

    // An OSC cut short (no BEL nor ESC \ before the next ESC) ends where a terminal ends it, at that ESC: the text
    // after it, up to a later link's ESC \, is the user's and stays.
    [Fact]
    public void An_unterminated_osc_does_not_swallow_the_text_up_to_a_later_terminator()
        => Assert.True(Allows("see \u001B]8;;https://runbook/ora ORA-00600 on db-07 \u001B]8;;\u001B\\", require: ["ORA-00600"]));

    // DCS, SOS, PM and APC strings (ESC P, X, ^, _ … ESC \) are control strings as an OSC is: their contents are no words.
    [Fact]
    public void Control_strings_leave_no_words()
        => Assert.Equal(["ok", "done"], LexicalWords.Split("\u001BP1$r0m\u001B\\ok \u001B_Gf=100;AAAA\u001B\\done"));

    // ESC y is an escape sequence (ECMA-35: a final byte 0x30-0x7E), which a terminal does not show; an ESC before a
    // tab or a space starts none, so it stays a boundary.
    [Fact]
    public void Escape_sequences_leave_no_words_of_their_own()
        => Assert.Equal(["error", "eu", "west", "1", "x", "y", "z", "w"], LexicalWords.Split("\u001B[1;31mERROR\u001B[0m eu-west-1 x\u001B\ty \u001B[38;5;196mz\u001By\u001B w"));

    [Theory]
    [InlineData("Primary postgres failed over", true)]
    [InlineData("POSTGRES failed over", true)]
    [InlineData("postgres, failed over", true)]
    [InlineData("postgresql failed over", false)]
    [InlineData("mypostgres failed over", false)]
    public void A_required_word_matches_whole_words_in_any_case(string message, bool allowed)
        => Assert.Equal(allowed, Allows(message, require: ["Postgres"]));

    [Theory]
    [InlineData("replication lag on db-eu-1 is 40s", true)]
    [InlineData("replication lag on DB_EU_1 is 40s", true)]
    [InlineData("replication lag on db-eu-12 is 40s", false)]
    [InlineData("replication lag on db-eu is 40s", false)]
    [InlineData("snapshot too old: ORA-01555", true)]
    public void A_host_name_or_error_code_matches_as_its_sequence_of_words(string message, bool allowed)
        => Assert.Equal(allowed, Allows(message, require: message.Contains("ORA", StringComparison.Ordinal) ? ["ora-01555"] : ["db-eu-1"]));

    [Theory]
    [InlineData("the replication lag grew", true)]
    [InlineData("lag in replication grew", false)]
    [InlineData("replication is lagging", false)]
    public void A_phrase_matches_only_its_words_in_order_next_to_each_other(string message, bool allowed)
        => Assert.Equal(allowed, Allows(message, require: ["Replication  Lag"]));

    [Theory]
    [InlineData("postgres failover in production", true)]
    [InlineData("postgres failover in staging", false)]
    [InlineData("mysql failover in production", false)]
    [InlineData("postgres failover in Staging-2", false)]
    public void Every_required_term_and_no_excluded_term(string message, bool allowed)
        => Assert.Equal(allowed, Allows(message, require: ["postgres", "failover"], exclude: ["staging"]));

    [Fact]
    public void Empty_lists_are_no_rules()
    {
        Assert.Null(KeywordRules.Of(null, null));
        Assert.Null(KeywordRules.Of([], []));
        Assert.Null(KeywordRules.Of(["  ", "--"], null));
    }

    [Fact]
    public void Lists_are_stored_trimmed_lowercase_with_single_spaces_and_no_repeats()
    {
        Assert.Equal(["db-eu-1", "replication lag"], KeywordRules.Normalize([" DB-EU-1 ", "Replication \t Lag", "db-eu-1", "", null]));
        Assert.Null(KeywordRules.Normalize(["", " - "]));
        Assert.Null(KeywordRules.Normalize(null));
    }
}
