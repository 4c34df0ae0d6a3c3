using System.Numerics.Tensors;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// Reads a producer's token vectors into the form the shards score: each token vector scaled to unit length, weight 1,
/// and the pooled vector the unit mean of the tokens, as the silos' own embedders make them.
/// </summary>
public sealed class VectorReader(int dimension)
{
    public int Dimension => dimension;

    /// <summary>The embedding, or the reason (<see cref="DeadLetterReasons"/>) and a detail.</summary>
    public (EmbeddedText? Embedding, string? Reason, string? Detail) Read(JsonElement vectors, JsonElement? tokens)
    {
        if (vectors.ValueKind != JsonValueKind.Array || vectors.GetArrayLength() == 0)
        {
            return (null, DeadLetterReasons.InvalidVector, "vectors must be a non-empty array of token vectors");
        }
        var count = vectors.GetArrayLength();
        var tokenVectors = new float[count * dimension];
        var t = 0;
        foreach (var vector in vectors.EnumerateArray())
        {
            if (vector.ValueKind != JsonValueKind.Array || vector.GetArrayLength() != dimension)
            {
                return (null, DeadLetterReasons.WrongDimension,
                    $"token vector {t} has {(vector.ValueKind == JsonValueKind.Array ? vector.GetArrayLength() : 0)} values, the embedder's dimension is {dimension}");
            }
            var target = tokenVectors.AsSpan(t * dimension, dimension);
            var i = 0;
            foreach (var number in vector.EnumerateArray())
            {
                // A string such as "NaN" or a number beyond float's range is not a usable coordinate.
                if (number.ValueKind != JsonValueKind.Number || !number.TryGetSingle(out var x) || !float.IsFinite(x))
                {
                    return (null, DeadLetterReasons.InvalidVector, $"token vector {t} value {i} is not a finite number");
                }
                target[i++] = x;
            }
            // Scaled by its largest coordinate first: squaring 1e19 overflows float and squaring 1e-30 underflows it,
            // so the unscaled length of such a vector, which has a direction, would be infinite or zero.
            var largest = MathF.Abs(TensorPrimitives.MaxMagnitude(target));
            if (largest == 0)
            {
                return (null, DeadLetterReasons.InvalidVector, $"token vector {t} has no direction (zero length)");
            }
            TensorPrimitives.Divide(target, largest, target);
            TensorPrimitives.Divide(target, TensorPrimitives.Norm(target), target);
            t++;
        }
        if (ReadTokens(tokens, count) is not { } names)
        {
            return (null, DeadLetterReasons.InvalidField, $"tokens must be an array of {count} strings, one per vector");
        }
        return (new EmbeddedText(tokenVectors, Enumerable.Repeat(1f, count).ToArray(), Pool(tokenVectors, count), names), null, null);
    }

    private float[] Pool(float[] tokenVectors, int count)
    {
        var pooled = new float[dimension];
        for (var t = 0; t < count; t++)
        {
            TensorPrimitives.Add(pooled, tokenVectors.AsSpan(t * dimension, dimension), pooled);
        }
        var norm = TensorPrimitives.Norm(pooled);
        // Opposite tokens can cancel out: all zeros is how the scorer marks a text without a direction.
        if (norm > 0)
        {
            TensorPrimitives.Divide(pooled, norm, pooled);
        }
        return pooled;
    }

    private static string[]? ReadTokens(JsonElement? tokens, int count)
    {
        if (tokens is not { } array)
        {
            return Enumerable.Range(0, count).Select(i => $"#{i}").ToArray();
        }
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != count || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return null;
        }
        return array.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }
}
