using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.Transformer;

/// <summary>
/// Fails validation when a non-empty path names no existing file (emptiness is [Required]'s job). A directory is told
/// apart from a missing path, with a file of <paramref name="filePattern"/> in it, which is what the setting wants.
/// </summary>
/// <param name="filePattern">The kind of file the setting names, e.g. "*.onnx".</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class FileExistsAttribute(string filePattern) : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string path || path.Length == 0 || File.Exists(path))
        {
            return ValidationResult.Success;
        }
        string[]? members = validationContext.MemberName is { } member ? [member] : null;
        if (!Directory.Exists(path))
        {
            return new ValidationResult($"{validationContext.MemberName} '{path}' does not exist.", members);
        }
        var example = Directory.EnumerateFiles(path, filePattern).Order(StringComparer.Ordinal).FirstOrDefault();
        return new ValidationResult($"{validationContext.MemberName} '{path}' is a directory: it takes the {filePattern} file itself"
            + (example is null ? ", and the directory holds none." : $", e.g. '{example}'."), members);
    }
}
