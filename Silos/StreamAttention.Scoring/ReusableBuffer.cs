namespace StreamAttention.Scoring;

/// <summary>An array that grows on demand and is reused across ONNX runs, so steady-state scoring allocates no tensors.</summary>
internal sealed class ReusableBuffer<T>
{
    private T[] _array = [];

    public T[] Array => _array;

    public Memory<T> Rent(int length)
    {
        if (_array.Length < length)
        {
            _array = new T[Math.Max(length, _array.Length * 2)];
        }
        return _array.AsMemory(0, length);
    }
}
