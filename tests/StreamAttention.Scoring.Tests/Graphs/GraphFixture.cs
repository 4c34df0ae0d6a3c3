using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Scoring.Tests.Graphs;

internal static class TestData
{
    public static OnnxSessionFactory Sessions() => new(new OnnxRuntimeOptions());

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
