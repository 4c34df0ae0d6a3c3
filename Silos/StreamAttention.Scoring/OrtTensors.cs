using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace StreamAttention.Scoring;

/// <summary>OrtValues over managed memory (no copies); the memory must stay alive while the value is used.</summary>
internal static class OrtTensors
{
    public static OrtValue Over<T>(ReadOnlyMemory<T> data, params long[] shape) where T : unmanaged
        => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(data), shape);
}
