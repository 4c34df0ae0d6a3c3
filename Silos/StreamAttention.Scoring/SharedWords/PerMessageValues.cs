namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Values by interest kept for one message at a time; <see cref="NextMessage"/> forgets them all in O(1) (entries
/// are stamped with the message they belong to).
/// </summary>
internal sealed class PerMessageValues<T>
{
    private T[] _values = [];
    private int[] _stamps = [];
    private int _stamp;

    /// <summary>Starts a message with keys below <paramref name="keys"/>.</summary>
    public void NextMessage(int keys)
    {
        if (_stamps.Length < keys)
        {
            _values = new T[keys];
            _stamps = new int[keys];
        }
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_stamps);
            _stamp = 1;
        }
    }

    public bool TryGet(int key, out T value)
    {
        value = _values[key];
        return _stamps[key] == _stamp;
    }

    public void Set(int key, T value)
    {
        _values[key] = value;
        _stamps[key] = _stamp;
    }
}
