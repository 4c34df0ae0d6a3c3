using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Tests;

/// <summary>How the Vectors format reads a producer's token vectors.</summary>
public sealed class VectorReaderTests
{
    private const int Dimension = 128;

    /// <summary>
    /// Squaring these coordinates overflows or underflows float, so a length computed unscaled was infinite or zero and
    /// the vector, which has a direction, was dead-lettered as having none.
    /// </summary>
    [Theory]
    [InlineData("1e19")]
    [InlineData("-3e38")]
    [InlineData("1e-30")]
    [InlineData("1e-45")]
    public void A_vector_of_very_large_or_very_small_coordinates_is_scaled_to_unit_length(string coordinate)
    {
        var (embedding, reason, detail) = Read(Enumerable.Repeat(coordinate, Dimension));

        Assert.Null(reason);
        Assert.Null(detail);
        var expected = float.Sign(float.Parse(coordinate, CultureInfo.InvariantCulture)) / MathF.Sqrt(Dimension);
        Assert.All(embedding!.TokenVectors, x => Assert.Equal(expected, x, 1e-6f));
        Assert.Equal(1f, TensorPrimitives.Norm(embedding.Pooled), 1e-6f);
    }

    [Fact]
    public void A_vector_with_one_coordinate_far_larger_than_the_others_keeps_its_direction()
    {
        var (embedding, reason, _) = Read(["3e38", "-1e19", .. Enumerable.Repeat("0", Dimension - 2)]);

        Assert.Null(reason);
        Assert.Equal(1f, embedding!.TokenVectors[0]);
        Assert.Equal(-1e19f / 3e38f, embedding.TokenVectors[1], 1e-25f);
    }

    [Fact]
    public void A_zero_vector_is_refused_as_having_no_direction()
        => Assert.Equal((DeadLetterReasons.InvalidVector, "token vector 0 has no direction (zero length)"),
            Reason(Read(Enumerable.Repeat("0", Dimension))));

    [Fact]
    public void A_coordinate_beyond_floats_range_is_refused_as_not_finite()
        => Assert.Equal((DeadLetterReasons.InvalidVector, "token vector 0 value 0 is not a finite number"),
            Reason(Read(Enumerable.Repeat("1e39", Dimension))));

    private static (string?, string?) Reason((EmbeddedText?, string? Reason, string? Detail) read) => (read.Reason, read.Detail);

    private static (EmbeddedText? Embedding, string? Reason, string? Detail) Read(IEnumerable<string> coordinates)
    {
        using var vectors = JsonDocument.Parse($"[[{string.Join(',', coordinates)}]]");
        return new VectorReader(Dimension).Read(vectors.RootElement, tokens: null);
    }
}
