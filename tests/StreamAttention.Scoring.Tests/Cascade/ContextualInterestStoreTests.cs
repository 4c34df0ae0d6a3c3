using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Cascade;

namespace StreamAttention.Scoring.Tests.Cascade;

public sealed class ContextualInterestStoreTests
{
    private const int Dimension = 16;

    private static EmbeddedText RandomRow(Random random, int tokens)
    {
        float[] Unit()
        {
            var vector = Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            TensorPrimitives.Divide(vector, TensorPrimitives.Norm<float>(vector), vector);
            return vector;
        }
        return new EmbeddedText(Enumerable.Range(0, tokens).SelectMany(_ => Unit()).ToArray(), Enumerable.Range(0, tokens).Select(t => 1f + t).ToArray(),
            Unit(), Enumerable.Range(0, tokens).Select(t => $"w{t}").ToArray());
    }

    [Fact]
    public void A_row_reads_back_as_added_its_first_queries_in_half_precision_made_unit_again()
    {
        var store = new ContextualInterestStore(Dimension, maxQueries: 3, capacity: 10);
        var row = RandomRow(new Random(1), tokens: 5);

        var added = store.Add("disk errors", row);

        var read = store.Get("disk errors");
        Assert.NotNull(read);
        Assert.Equal(added.TokenVectors, read.TokenVectors);
        Assert.Equal(added.Pooled, read.Pooled);
        Assert.Equal(added.TokenWeights, read.TokenWeights);
        Assert.Equal(["w0", "w1", "w2"], read.Tokens);
        Assert.Equal("disk errors", read.Text);
        Assert.True(read.HasShape(Dimension));
        Assert.Equal(row.TokenWeights[..3], read.TokenWeights);
        // Half precision: within 1e-3 of the model's values, and unit.
        Assert.All(row.TokenVectors[..(3 * Dimension)].Zip(read.TokenVectors), p => Assert.Equal(p.First, p.Second, 1e-3));
        Assert.All(row.Pooled.Zip(read.Pooled), p => Assert.Equal(p.First, p.Second, 1e-3));
        Assert.NotEqual(row.Pooled, read.Pooled);
        Assert.Equal(1f, TensorPrimitives.Norm<float>(read.Pooled), 1e-6);
        for (var t = 0; t < 3; t++)
        {
            Assert.Equal(1f, TensorPrimitives.Norm<float>(read.TokenVectors.AsSpan(t * Dimension, Dimension)), 1e-6);
        }
    }

    [Fact]
    public void A_text_without_tokens_keeps_its_zero_pooled_vector()
    {
        var store = new ContextualInterestStore(Dimension, maxQueries: 3, capacity: 10);

        var added = store.Add("", new EmbeddedText([], [], new float[Dimension], []));

        Assert.All(added.Pooled, v => Assert.Equal(0f, v));
        Assert.Empty(added.Tokens);
    }

    [Fact]
    public void Beyond_its_capacity_the_oldest_texts_are_dropped_and_with_none_it_keeps_nothing_but_reads_the_same()
    {
        var random = new Random(2);
        var store = new ContextualInterestStore(Dimension, maxQueries: 4, capacity: 3);
        var none = new ContextualInterestStore(Dimension, maxQueries: 4, capacity: 0);
        var rows = Enumerable.Range(0, 5).Select(_ => RandomRow(random, 4)).ToArray();

        for (var i = 0; i < rows.Length; i++)
        {
            var added = store.Add($"t{i}", rows[i]);
            Assert.Equal(added.TokenVectors, none.Add($"t{i}", rows[i]).TokenVectors);
        }

        Assert.Equal(3, store.Count);
        Assert.Null(store.Get("t0"));
        Assert.Null(store.Get("t1"));
        Assert.NotNull(store.Get("t4"));
        Assert.Equal(0, none.Count);
        Assert.Null(none.Get("t4"));
    }
}
