using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

public class WordTokenizerTests
{
    [Theory]
    [InlineData("eu-west-1 is down", new[] { "eu", "west" })]
    [InlineData("Don't restart the DB", new[] { "restart", "db" })]
    [InlineData("p99 latency and 5xx errors", new[] { "p99", "latency", "5xx", "errors" })]
    [InlineData("See https://api.example.com/v1/users?id=42", new[] { "see", "api", "example", "com", "v1", "users", "id" })]
    [InlineData("The server's CPU", new[] { "server", "cpu" })]
    [InlineData("It\u2019s the customer\u2019s fault", new[] { "customer", "fault" })]
    [InlineData("O'Neill said 'hello'", new[] { "o'neill", "said", "hello" })]
    [InlineData("user_id=7; x y z", new[] { "user", "id" })]
    [InlineData("3.5 2024 1,000 -42", new string[0])]
    [InlineData("Zürich café ΣΟΦΙΑ", new[] { "zürich", "café", "σοφια" })]
    [InlineData("cafe\u0301 fire\U0001F525emoji", new[] { "caf\u00E9", "fire", "emoji" })]
    [InlineData("PostgreSQL, JSON; Nginx!", new[] { "postgresql", "json", "nginx" })]
    [InlineData("", new string[0])]
    public void Splits_text_into_lowercase_content_words(string text, string[] expected)
        => Assert.Equal(expected, WordTokenizer.English.Tokenize(text));

    [Theory]
    [InlineData("caf\u00E9 ZU\u0308RICH", "cafe\u0301 z\u00FCrich")]
    [InlineData("\uFF24\uFF41\uFF54\uFF41\uFF42\uFF41\uFF53\uFF45 \uFF50\uFF19\uFF19", "database p99")]
    [InlineData("Stra\u00DFe net\u200Dwork", "STRASSE network")]
    [InlineData("\u0130STANBUL \u0130zmir", "istanbul izmir")]
    // Lithuanian "i" with its dot kept and an acute: without the dot it composes as "í".
    [InlineData("ki\u0307\u0301lo", "k\u00EDlo")]
    public void Every_Unicode_form_of_a_word_is_one_token(string text, string sameWords)
        => Assert.Equal(WordTokenizer.English.Tokenize(sameWords), WordTokenizer.English.Tokenize(text));

    [Theory]
    [InlineData("Real-time e-mail alerts", new[] { "real-time", "e-mail", "alerts" })]
    [InlineData("end-to-end-latency in eu-west-1", new[] { "end-to-end", "latency", "eu", "west" })]
    [InlineData("end-to-x", new[] { "end-to" })]
    [InlineData("hello-world", new[] { "hello", "world" })]
    [InlineData("e-mail-", new[] { "e-mail" })]
    public void Hyphenated_compounds_stay_whole_when_known(string text, string[] expected)
    {
        var compounds = new HashSet<string> { "real-time", "e-mail", "end-to", "end-to-end" }.GetAlternateLookup<ReadOnlySpan<char>>();
        var tokenizer = new WordTokenizer(EnglishStopWords.Words, compounds.Contains);

        Assert.Equal(expected, tokenizer.Tokenize(text));
    }

    [Theory]
    [InlineData("\u001B[1;31mERROR\u001B[0m replication \u001B[33mlagging\u001B[39m", new[] { "error", "replication", "lagging" })]
    [InlineData("grep: data\u001B[01;31m\u001B[Kbase\u001B[m\u001B[K failover", new[] { "grep", "database", "failover" })]
    public void Terminal_escape_sequences_are_no_part_of_the_words(string text, string[] expected)
        => Assert.Equal(expected, WordTokenizer.English.Tokenize(text));

    [Fact]
    public void Stop_words_are_configurable()
    {
        var tokenizer = new WordTokenizer(["database"]);

        Assert.Equal(["the", "is", "down"], tokenizer.Tokenize("the database is down"));
    }

    [Fact]
    public void Scratch_shorter_than_the_text_is_rejected()
        => Assert.Throws<ArgumentOutOfRangeException>(() => WordTokenizer.English.EnumerateTokens("database", new char[3]));
}
