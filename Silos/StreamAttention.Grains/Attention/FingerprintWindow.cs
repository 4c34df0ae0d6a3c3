using System.Collections;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// A user's recent fingerprints in time order, oldest first, held as values in rings (one per field) rather than a
/// list of <see cref="Fingerprint"/> objects: every decision of every matched user adds one, and as an object each
/// outlived the young generation, referred to from the user's old list, for the young collections to find and copy
/// (the most numerous old-to-young reference in a paced stream). Here a decision writes a time, a key and a sketch
/// (<see cref="MinHashSignature.Sketch"/>: 64 bytes, packed one after the other), and nothing old refers to anything
/// young. A <see cref="Fingerprint"/> is formed only when one is read: for storage, or a duplicate's original.
/// The rings' capacity is a power of two, so a full window (the oldest leaves as each new one comes) fills them
/// exactly and moves nothing.
/// </summary>
public sealed class FingerprintWindow : IEnumerable<Fingerprint>
{
    private const int Length = MinHashSignature.Length;

    private DateTimeOffset[] _at = [];
    private MatchKey[] _keys = [];
    private byte[] _sketches = [];
    private int _first;
    private int _count;

    public FingerprintWindow()
    {
    }

    /// <summary>A window of <paramref name="fingerprints"/> in the order given.</summary>
    public FingerprintWindow(IEnumerable<Fingerprint> fingerprints)
    {
        foreach (var fingerprint in fingerprints)
        {
            Add(fingerprint.Key, fingerprint.At, fingerprint.Sketch);
        }
    }

    public int Count => _count;

    /// <summary>How many the rings hold: a power of two (or none yet), so a position wraps with a mask.</summary>
    private int Capacity => _at.Length;

    /// <summary>When the <paramref name="index"/>-th oldest was taken.</summary>
    public DateTimeOffset At(int index) => _at[Slot(index)];

    public MatchKey Key(int index) => _keys[Slot(index)];

    public ReadOnlySpan<byte> Sketch(int index) => _sketches.AsSpan(Slot(index) * Length, Length);

    /// <summary>The <paramref name="index"/>-th oldest as a new <see cref="Fingerprint"/>.</summary>
    public Fingerprint this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            var slot = Slot(index);
            return new Fingerprint(_keys[slot], _at[slot], Sketch(index).ToArray());
        }
    }

    /// <summary>Adds a fingerprint as the newest.</summary>
    public void Add(MatchKey key, DateTimeOffset at, ReadOnlySpan<byte> sketch) => Insert(_count, key, at, sketch);

    /// <summary>
    /// Puts a fingerprint at <paramref name="index"/>, moving the newer ones up one: at the end (nothing to move) but when
    /// the clock went back or a state read back merges its log, so the loop over them is rare.
    /// </summary>
    public void Insert(int index, MatchKey key, DateTimeOffset at, ReadOnlySpan<byte> sketch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)index, (uint)_count, nameof(index));
        MinHashSignature.ThrowIfNotSketch(sketch, nameof(sketch));
        if (_count == Capacity)
        {
            Grow();
        }
        for (var i = _count; i > index; i--)
        {
            var (to, from) = (Slot(i), Slot(i - 1));
            (_at[to], _keys[to]) = (_at[from], _keys[from]);
            _sketches.AsSpan(from * Length, Length).CopyTo(_sketches.AsSpan(to * Length, Length));
        }
        var slot = Slot(index);
        (_at[slot], _keys[slot]) = (at, key);
        sketch.CopyTo(_sketches.AsSpan(slot * Length, Length));
        _count++;
    }

    /// <summary>Drops the <paramref name="count"/> oldest.</summary>
    public void RemoveFirst(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)_count, nameof(count));
        for (var i = 0; i < count; i++)
        {
            var slot = Slot(i);
            // A key may hold a string (an id that is not a UUID): let it go.
            _keys[slot] = default;
        }
        _first = _count == count ? 0 : (_first + count) & (Capacity - 1);
        _count -= count;
    }

    /// <summary>The place after every fingerprint taken at or before <paramref name="at"/>: the end, unless the clock went back.</summary>
    public int PositionAfter(DateTimeOffset at) => TimeOrder.PositionAfter(this, _count, static (window, i) => window.At(i), at);

    /// <summary>How many of the oldest were taken at or before <paramref name="cutoff"/>.</summary>
    public int CountUntil(DateTimeOffset cutoff) => TimeOrder.CountUntil(this, _count, static (window, i) => window.At(i), cutoff);

    /// <summary>
    /// The position of the oldest fingerprint whose sketch agrees with <paramref name="sketch"/> in at least
    /// <paramref name="needed"/> positions (<see cref="MinHashSignature.AgreementsFor"/>); -1 when none does.
    /// </summary>
    public int FirstAgreeing(ReadOnlySpan<byte> sketch, int needed, int from = 0)
    {
        for (var i = from; i < _count; i++)
        {
            if (MinHashSignature.Agreements(Sketch(i), sketch) >= needed)
            {
                return i;
            }
        }
        return -1;
    }

    public IEnumerator<Fingerprint> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int Slot(int index) => (_first + index) & (Capacity - 1);

    /// <summary>Full: twice the room (four to start), every ring unwrapped to its front in order.</summary>
    private void Grow()
    {
        var (full, capacity) = (Capacity, Math.Max(4, Capacity * 2));
        _at = Unwrapped(_at, _first, full, capacity, 1);
        _keys = Unwrapped(_keys, _first, full, capacity, 1);
        _sketches = Unwrapped(_sketches, _first, full, capacity, Length);
        _first = 0;
    }

    /// <summary>A ring of <paramref name="capacity"/> entries of <paramref name="width"/> items, a full one's in order from its front.</summary>
    private static T[] Unwrapped<T>(T[] ring, int first, int full, int capacity, int width)
    {
        var unwrapped = new T[capacity * width];
        var toEnd = (full - first) * width;
        Array.Copy(ring, first * width, unwrapped, 0, toEnd);
        Array.Copy(ring, 0, unwrapped, toEnd, first * width);
        return unwrapped;
    }
}
