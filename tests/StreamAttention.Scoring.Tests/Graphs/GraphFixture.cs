using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Scoring.Tests.Graphs;

internal static class TestData
{
    public static OnnxSessionFactory Sessions() => new(new OnnxRuntimeOptions());

    /// <summary>
    /// Keys for [messages, tokens] slots: unit rows up to each message's length, zero rows past it; fills
    /// <paramref name="tokenBias"/> with a random log prior per real token and the padding bias past the length.
    /// </summary>
    public static float[] PaddedKeys(Random random, int[] lengths, int tokens, int dimension, Span<float> tokenBias)
    {
        var keys = UnitRows(random, lengths.Length * tokens, dimension);
        for (var m = 0; m < lengths.Length; m++)
        {
            for (var t = 0; t < tokens; t++)
            {
                var padding = t >= lengths[m];
                if (padding)
                {
                    Array.Clear(keys, (m * tokens + t) * dimension, dimension);
                }
                tokenBias[m * tokens + t] = padding ? -1e9f : MathF.Log((float)(0.2 + 0.8 * random.NextDouble()));
            }
        }
        return keys;
    }

    public static float[] UnitRows(Random random, int rows, int dimension)
    {
        var data = new float[rows * dimension];
        for (var r = 0; r < rows; r++)
        {
            var row = data.AsSpan(r * dimension, dimension);
            for (var k = 0; k < dimension; k++)
            {
                row[k] = (float)(random.NextDouble() * 2 - 1);
            }
            var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
        return data;
    }
}
