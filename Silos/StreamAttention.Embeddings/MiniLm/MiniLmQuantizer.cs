using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Onnx;
using StreamAttention.Onnx.Quantization;

namespace StreamAttention.Embeddings.MiniLm;

/// <summary>
/// Writes the int8 variant of the extracted MiniLM next to the float model once (<see cref="DynamicMatMulQuantizer"/>),
/// published by an atomic rename. The file is named after the float model's checksum and the quantizer's format
/// version, so a changed model or rule gets a new file and an existing one is known to match; the float model is checked
/// against that checksum before it is quantized, and the int8 file against its stamp (<see cref="ModelCacheStamp"/>) each
/// time it is used.
/// </summary>
public static class MiniLmQuantizer
{
    /// <summary>The quantized model's file name for the float model this setup extracts.</summary>
    public static string FileName { get; } = string.Create(CultureInfo.InvariantCulture,
        $"model.int8.{MiniLmModelSetup.ModelSha256[..16]}.v{DynamicMatMulQuantizer.FormatVersion}.onnx");

    /// <summary>Returns the quantized model next to <paramref name="floatModelPath"/>, writing it first when missing.</summary>
    public static async Task<string> EnsureAsync(string floatModelPath, ILogger logger, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetDirectoryName(floatModelPath)!, FileName);
        if (await ModelCacheStamp.VerifyAsync(path, null, logger, cancellationToken))
        {
            return path;
        }
        // The file's name vouches for the float model's checksum: altered weights must not be quantized under it.
        if (!await ModelCacheStamp.VerifyAsync(floatModelPath, MiniLmModelSetup.ModelSha256, logger, cancellationToken))
        {
            throw new InvalidDataException(
                $"{floatModelPath} is missing or not the published {MiniLmModelSetup.ModelName} (SHA-256 {MiniLmModelSetup.ModelSha256[..16]}…): run 'streamattention setup' to extract it again.");
        }
        var stopwatch = Stopwatch.StartNew();
        logger.LogInformation("Quantizing {Model} to int8 into {Path}", MiniLmModelSetup.ModelName, path);
        var model = ModelProto.Parser.ParseFrom(await File.ReadAllBytesAsync(floatModelPath, cancellationToken));
        var layers = DynamicMatMulQuantizer.Quantize(model, cancellationToken);
        await ModelCacheFile.PublishAsync(path, (output, _) =>
        {
            model.WriteTo(output);
            return Task.CompletedTask;
        }, cancellationToken);
        logger.LogInformation("{Model}: {Layers} dense layers quantized to int8 in {Seconds:F1} s ({Megabytes:F0} MB)",
            MiniLmModelSetup.ModelName, layers, stopwatch.Elapsed.TotalSeconds, new FileInfo(path).Length / 1e6);
        return path;
    }
}
