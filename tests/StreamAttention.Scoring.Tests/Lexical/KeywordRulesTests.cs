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
