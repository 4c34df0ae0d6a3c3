using System.Buffers;
using System.Text;
using ICU4N.Text;

namespace StreamAttention.Embeddings;

/// <summary>
/// The one place where texts are brought to one Unicode form, so that a word matches itself however it was typed or
/// encoded: "é" precomposed (NFC) or as "e" and a combining accent (NFD), "５０３" in full-width digits, "Straße" and
/// "STRASSE", a zero-width joiner or soft hyphen inside a word. ICU's normaliser, not <see cref="string.Normalize()"/>:
/// under InvariantGlobalization (Directory.Build.props) the latter returns its input unchanged. Case folding is
/// Unicode's own, the same in every process whatever its culture.
/// </summary>
public static class UnicodeText
{
    /// <summary>NFKC_Casefold: compatibility forms unified, case folded, default-ignorable characters removed.</summary>
    public static string Fold(string text) => Ascii.IsValid(text) ? text.ToLowerInvariant() : Normalizer2.NFKCCaseFoldInstance.Normalize(text);

    /// <summary>
    /// <see cref="Fold(string)"/> into <paramref name="scratch"/> where it fits (an ASCII text always does), else into a
    /// new array: folding may lengthen a text ("ß" is "ss").
    /// </summary>
    public static Span<char> Fold(ReadOnlySpan<char> text, Span<char> scratch)
    {
        if (Ascii.IsValid(text) && Ascii.ToLower(text, scratch, out var lowered) == OperationStatus.Done)
        {
            return scratch[..lowered];
        }
        return Normalizer2.NFKCCaseFoldInstance.TryNormalize(text, scratch, out var written)
            ? scratch[..written]
            : Normalizer2.NFKCCaseFoldInstance.Normalize(text).ToCharArray();
    }

    /// <summary>NFD where accents are to be removed (the combining marks then stand apart), else NFC.</summary>
    public static string Canonical(string text, bool decomposed)
        => Ascii.IsValid(text) ? text : (decomposed ? Normalizer2.NFDInstance : Normalizer2.NFCInstance).Normalize(text);
}
