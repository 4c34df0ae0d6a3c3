namespace StreamAttention.Embeddings;

/// <summary>One step's 0–1 progress reported as the part [<paramref name="from"/>, from + <paramref name="span"/>] of the whole.</summary>
internal sealed class ScaledProgress(IProgress<double> inner, double from, double span) : IProgress<double>
{
    public void Report(double value) => inner.Report(from + span * value);
}
