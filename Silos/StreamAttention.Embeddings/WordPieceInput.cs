namespace StreamAttention.Embeddings;

/// <summary>
/// A text as the WordPiece tokenizer (<see cref="Microsoft.ML.Tokenizers.BertTokenizer"/>) is given it: its control
/// characters (line breaks and tabs among them) as spaces. That tokenizer drops control characters instead of
/// splitting words at them, as BERT's own tokenizer does for <c>\t \n \r</c>: "database\nunavailable" would be one
/// unknown word, and a multi-line alert would match nothing. One space per character keeps every offset, so the words
/// (and highlights) cut from the tokenizer's offsets are the folded text's own. The text is first brought to one Unicode
/// form (<see cref="UnicodeText.ForWordPieces"/>): the tokenizer removes accents only where they are combining marks (its
/// own decomposition is a no-op under InvariantGlobalization), so without it "échec" typed precomposed was the pieces
/// "ech", "##ec" of an accented letter and typed as "e" and an accent the word "echec"; and it neither unifies
/// compatibility forms nor drops default-ignorable characters, so "ＤＢ" in full-width letters and a word with a
/// right-to-left mark glued to it were unknown, "data\u200Dbase" with a zero-width joiner the words "data" and "base".
/// </summary>
public static class WordPieceInput
{
    /// <param name="removeAccents">Whether the tokenizer removes accents (an uncased vocabulary, as BERT's own uncased tokenizer does).</param>
    public static string Of(string text, bool removeAccents)
    {
        text = UnicodeText.ForWordPieces(text, uncased: removeAccents);
        var span = text.AsSpan();
        if (!span.ContainsAnyInRange('\u0000', '\u001f') && !span.ContainsAnyInRange('\u007f', '\u009f'))
        {
            return text;
        }
        return string.Create(text.Length, text, static (chars, text) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = char.IsControl(text[i]) ? ' ' : text[i];
            }
        });
    }
}
