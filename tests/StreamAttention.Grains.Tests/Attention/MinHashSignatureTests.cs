using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>Sketches are kept in users' stored state (and signatures were): a faster computation must give the stored values.</summary>
public sealed class MinHashSignatureTests
{
    private const string Alert = "ALERT disk usage 93% on db-4 in eu-west-1";

    [Fact]
    public void A_signature_has_the_values_states_stored_before()
    {
        // The first positions of the signature as the earlier implementation (pairs hashed as "word next" strings) computed it.
        Assert.Equal([386746197u, 615847472u, 130851246u, 4209212u, 4386206u, 24154086u, 70034415u, 90095763u], MinHashSignature.Of(Alert)[..8]);
    }

    [Fact]
    public void A_text_in_another_Unicode_form_has_the_same_signature()
    {
        // NFC and NFD accents, full-width letters and digits: one alert, however the producer encoded it.
        Assert.Equal(MinHashSignature.Of("\u00E9chec de la r\u00E9plication sur db-4"), MinHashSignature.Of("E\u0301CHEC de la re\u0301plication sur \uFF44\uFF42\uFF0D\uFF14"));
        // Japanese without spaces: each character a word, so two alerts differing in one word share most shingles.
        Assert.True(MinHashSignature.Similarity(
            MinHashSignature.SketchOf("\u30C7\u30FC\u30BF\u30D9\u30FC\u30B9\u306E\u30EC\u30D7\u30EA\u30B1\u30FC\u30B7\u30E7\u30F3\u304C\u9045\u5EF6\u3057\u3066\u3044\u307E\u3059"),
            MinHashSignature.SketchOf("\u30C7\u30FC\u30BF\u30D9\u30FC\u30B9\u306E\u30EC\u30D7\u30EA\u30B1\u30FC\u30B7\u30E7\u30F3\u304C\u505C\u6B62\u3057\u3066\u3044\u307E\u3059")) > 0.5);
    }

    [Fact]
    public void One_text_instance_is_sketched_once_and_an_equal_text_gets_equal_bytes()
    {
        var copy = new string(Alert.AsSpan());

        Assert.Same(MinHashSignature.SketchOf(Alert), MinHashSignature.SketchOf(Alert));
        Assert.Equal(MinHashSignature.SketchOf(Alert), MinHashSignature.SketchOf(copy));
        Assert.Equal(MinHashSignature.Of(Alert).Select(n => (byte)n), MinHashSignature.SketchOf(Alert));
    }

    [Fact]
    public void An_equal_text_gets_equal_words()
    {
        // Whether one instance's words are kept is RecentInstanceCacheTests': the silo's cache is shared with the
        // tests running beside this one, which may take the slot between two calls.
        var copy = new string(Alert.AsSpan());

        Assert.True(MinHashSignature.WordsOf(copy).SetEquals(MinHashSignature.WordsOf(Alert)));
        // Folded and lower-cased, numbers' digits as '#', each word once.
        Assert.True(MinHashSignature.WordsOf(Alert).SetEquals(["alert", "disk", "usage", "##", "on", "db", "#", "in", "eu", "west"]));
        Assert.Empty(MinHashSignature.WordsOf(" -- !? "));
    }

    [Fact]
    public void A_text_adds_words_when_it_has_one_the_original_lacks_other_than_filler()
    {
        Assert.True(MinHashSignature.AddsWords(Alert + " resolved", Alert));
        // Another number is the same folded word, and "again" is filler.
        Assert.False(MinHashSignature.AddsWords("ALERT disk usage 95% on db-7 in eu-west-2 again", Alert));
        Assert.False(MinHashSignature.AddsWords(Alert, Alert + " resolved"));
        // Asked again with the same instances (their words kept), the answers stay.
        Assert.True(MinHashSignature.AddsWords(Alert + " resolved", new string(Alert.AsSpan())));
        Assert.False(MinHashSignature.AddsWords(Alert, Alert));
    }

    /// <summary>Generated ids (<see cref="GeneratedIdentifiers"/>' rules, one text each) read as one word, so alerts naming other ones repeat each other.</summary>
    [Theory]
    [InlineData("pod checkout-7f9c8d-x2kqp restarted", new[] { "pod", "checkout", GeneratedIdentifiers.Placeholder, "restarted" })]
    [InlineData("pod checkout-5b6d4f8c9-bxqzt restarted", new[] { "pod", "checkout", GeneratedIdentifiers.Placeholder, "restarted" })]
    [InlineData("pod fluentd-b8zr4 restarted", new[] { "pod", "fluentd", GeneratedIdentifiers.Placeholder, "restarted" })]
    [InlineData("container 3f2a9c1e0b7d exited", new[] { "container", GeneratedIdentifiers.Placeholder, "exited" })]
    [InlineData("trace 550e8400-e29b-41d4-a716-446655440000 failed", new[] { "trace", GeneratedIdentifiers.Placeholder, "failed" })]
    [InlineData("request req_8KfZ2qLx failed", new[] { "request", "req", GeneratedIdentifiers.Placeholder, "failed" })]
    // In a terminal's colours: the id is read from the text without its escape sequences, as its words are.
    [InlineData("request \u001B[1m8KfZ2qLx\u001B[0m failed", new[] { "request", GeneratedIdentifiers.Placeholder, "failed" })]
    public void A_generated_id_is_one_word(string text, string[] words)
        => Assert.True(MinHashSignature.WordsOf(text).SetEquals(words), string.Join(' ', MinHashSignature.WordsOf(text)));

    /// <summary>Words people write with digits, host names, versions, codes and other scripts stay words.</summary>
    [Theory]
    [InlineData("ipv6 h2 x86_64 utf8 k8s s3 ec2 i18n e2e b2b log4j arm64 sha256 x509 1080p")]
    [InlineData("http2 pkcs7 dns64 256mb 24hrs v2beta1 v1alpha1 utf8mb4 IPv6 PostgreSQL15 iPhone15 K8s")]
    [InlineData("pg-alpha pg-bravo db-7 eu-west-1 ORA-01555 HTTP 503 v1.2.3 10.0.0.12 2026-12-06T15:13:00Z")]
    [InlineData("facade decade deface xmlrpc https \u00E9chec de la r\u00E9plication \u30C7\u30FC\u30BF\u30D9\u30FC\u30B9")]
    public void Words_people_write_are_never_generated_ids(string text)
        => Assert.DoesNotContain(GeneratedIdentifiers.Placeholder, MinHashSignature.WordsOf(text).AsEnumerable());

    [Fact]
    public void Similarity_is_the_share_of_agreeing_positions_less_the_chance_agreements()
    {
        var a = MinHashSignature.SketchOf("kafka consumer lag growing on orders topic");
        var b = MinHashSignature.SketchOf("kafka consumer lag growing on payments topic");
        var agreeing = a.Zip(b).Count(p => p.First == p.Second);

        Assert.Equal(agreeing, MinHashSignature.Agreements(a, b));
        Assert.Equal((((double)agreeing / MinHashSignature.Length) - (1.0 / 256)) / (1 - (1.0 / 256)), MinHashSignature.Similarity(a, b), 12);
        Assert.Equal(1.0, MinHashSignature.Similarity(a, a));
        Assert.Equal(-1.0 / 255, MinHashSignature.Similarity(new byte[MinHashSignature.Length], Enumerable.Repeat((byte)1, MinHashSignature.Length).ToArray()), 12);
    }

    [Fact]
    public void Only_a_text_without_words_has_an_empty_sketch()
    {
        Assert.True(MinHashSignature.IsEmpty(MinHashSignature.SketchOf("")));
        Assert.True(MinHashSignature.IsEmpty(MinHashSignature.SketchOf(" -- !? ")));
        Assert.False(MinHashSignature.IsEmpty(MinHashSignature.SketchOf("a")));
        Assert.False(MinHashSignature.IsEmpty(MinHashSignature.SketchOf(Alert)));
    }

    /// <summary>For sketches agreeing in every possible number of positions: the agreements needed say what the similarity says.</summary>
    [Fact]
    public void AgreementsFor_says_what_comparing_the_similarity_says_for_every_threshold()
    {
        var thresholds = Enumerable.Range(0, MinHashSignature.Length + 1)
            .Select(k => MinHashSignature.Similarity(Agreeing(k), new byte[MinHashSignature.Length]))
            .SelectMany(s => new[] { s, Math.BitDecrement(s), Math.BitIncrement(s) })
            .Concat([0.6, 0.85, -1, 1.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity]);
        var zeros = new byte[MinHashSignature.Length];

        for (var agreeing = 0; agreeing <= MinHashSignature.Length; agreeing++)
        {
            var sketch = Agreeing(agreeing);
            foreach (var threshold in thresholds)
            {
                Assert.True(MinHashSignature.Similarity(sketch, zeros) >= threshold == MinHashSignature.Agreements(sketch, zeros) >= MinHashSignature.AgreementsFor(threshold),
                    $"{agreeing} agreeing at {threshold}");
            }
        }
    }

    /// <summary>
    /// The sketch estimates what the whole signature does: over many pairs of related and unrelated alerts, its similarity
    /// is off by no more than chance agreements make it (one position in 256 of those that differ), and on average not at
    /// all, where the share of agreeing bytes alone would be high by ~0.004 for unrelated texts.
    /// </summary>
    [Fact]
    public void The_sketch_estimates_the_signatures_similarity_without_the_chance_agreements()
    {
        string[] services = ["postgres", "kafka", "redis", "nginx", "billing", "search", "auth", "ingest"];
        string[] problems = ["replica lag", "disk full", "broker offline", "certificate expiring", "latency high", "queue backlog", "pod restarting"];
        var texts = services.SelectMany(service => problems.SelectMany(problem => Enumerable.Range(1, 3).Select(host =>
            $"ALERT {service} {problem} on {service}-{host} in eu-west-{host}, paging on-call"))).ToArray();
        var (differences, pairs) = (0.0, 0);

        for (var i = 0; i < texts.Length; i++)
        {
            for (var j = i + 1; j < texts.Length; j++)
            {
                var (x, y) = (MinHashSignature.Of(texts[i]), MinHashSignature.Of(texts[j]));
                var exact = (double)x.Zip(y).Count(p => p.First == p.Second) / MinHashSignature.Length;
                var sketched = MinHashSignature.Similarity(MinHashSignature.Sketch(x), MinHashSignature.Sketch(y));
                Assert.InRange(sketched - exact, -0.01, 6.0 / MinHashSignature.Length);
                (differences, pairs) = (differences + sketched - exact, pairs + 1);
            }
        }

        Assert.InRange(differences / pairs, -0.001, 0.001);
    }

    /// <summary>A sketch agreeing with the all-zero sketch in its first <paramref name="count"/> positions.</summary>
    private static byte[] Agreeing(int count)
    {
        var sketch = Enumerable.Repeat((byte)1, MinHashSignature.Length).ToArray();
        sketch.AsSpan(0, count).Clear();
        return sketch;
    }
}
