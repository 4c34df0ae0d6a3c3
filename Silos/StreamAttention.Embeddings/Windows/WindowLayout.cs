namespace StreamAttention.Embeddings.Windows;

/// <summary>
/// How a long text is cut into windows: <see cref="Length"/> tokens each, one starting every <see cref="Stride"/>
/// tokens, at most <see cref="MaxWindows"/>, so together they cover the text's first <see cref="Coverage"/> tokens.
/// A text of at most <see cref="Length"/> tokens is one window; every further window adds tokens the previous did not hold.
/// </summary>
public readonly record struct WindowLayout
{
    public WindowLayout(int length, int stride, int maxWindows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stride, length);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWindows, 1);
        Length = length;
        Stride = stride;
        MaxWindows = maxWindows;
    }

    public int Length { get; }

    public int Stride { get; }

    public int MaxWindows { get; }

    /// <summary>The tokens the windows can hold together; a text with more is truncated.</summary>
    public int Coverage => Length + Stride * (MaxWindows - 1);

    /// <summary>Windows of <paramref name="length"/> tokens where each repeats the share <paramref name="overlap"/> of the previous one.</summary>
    public static WindowLayout Of(int length, double overlap, int maxWindows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(overlap);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlap, 1.0);
        return new WindowLayout(length, Math.Max(1, (int)Math.Round(length * (1 - overlap))), maxWindows);
    }

    /// <summary>Windows for a text of <paramref name="tokens"/> tokens: as many as cover it, at most <see cref="MaxWindows"/>.</summary>
    public int WindowCount(int tokens)
        => tokens <= Length ? 1 : Math.Min(MaxWindows, 1 + (tokens - Length + Stride - 1) / Stride);

    /// <summary>The first token of window <paramref name="window"/>.</summary>
    public int Start(int window) => window * Stride;

    /// <summary>The tokens of window <paramref name="window"/> of a text of <paramref name="tokens"/> tokens (the last may be shorter).</summary>
    public int TokensIn(int window, int tokens) => Math.Min(Length, tokens - Start(window));
}
