using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>Signatures are kept in users' stored state: a faster computation must give the stored values.</summary>
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
    public void One_text_instance_is_signed_once_and_an_equal_text_gets_equal_values()
    {
        var copy = new string(Alert.AsSpan());

        Assert.Same(MinHashSignature.Of(Alert), MinHashSignature.Of(Alert));
        Assert.Equal(MinHashSignature.Of(Alert), MinHashSignature.Of(copy));
    }

    [Fact]
    public void Similarity_counts_the_positions_that_agree_and_are_set()
    {
        var a = MinHashSignature.Of("kafka consumer lag growing on orders topic");
        var b = MinHashSignature.Of("kafka consumer lag growing on payments topic");
        var expected = (double)a.Zip(b).Count(p => p.First == p.Second && p.First != uint.MaxValue) / MinHashSignature.Length;

        Assert.Equal(expected, MinHashSignature.Similarity(a, b));
        Assert.Equal(1.0, MinHashSignature.Similarity(a, a));
        Assert.Equal(0.0, MinHashSignature.Similarity(MinHashSignature.Of(""), MinHashSignature.Of("")));
    }

    [Fact]
    public void Reaches_says_what_comparing_the_similarity_says_for_every_threshold()
    {
        var texts = new[]
        {
            Alert, "ALERT disk usage 97% on db-5 in eu-west-1", "ALERT disk usage 93% on db-4 in eu-west-1 again", "kafka consumer lag growing on orders topic",
            "kafka consumer lag growing on payments topic", "disk full", "", "nightly backup job failed with permission denied on db-4",
        };
        var thresholds = Enumerable.Range(0, MinHashSignature.Length + 1)
            .SelectMany(k => new[] { (double)k / MinHashSignature.Length, Math.BitDecrement((double)k / MinHashSignature.Length), Math.BitIncrement((double)k / MinHashSignature.Length) })
            .Concat([0.6, 0.85, -1, 1.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity]);

        foreach (var a in texts)
        {
            foreach (var b in texts)
            {
                var (x, y) = (MinHashSignature.Of(a), MinHashSignature.Of(b));
                foreach (var threshold in thresholds)
                {
                    Assert.True(MinHashSignature.Similarity(x, y) >= threshold == MinHashSignature.Reaches(x, y, threshold), $"'{a}' / '{b}' at {threshold}");
                }
            }
        }
    }
}
