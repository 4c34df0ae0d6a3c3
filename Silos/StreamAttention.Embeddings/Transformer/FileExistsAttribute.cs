using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Embeddings.Transformer;

/// <summary>Fails validation when a non-empty path names no existing file (emptiness is [Required]'s job).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class FileExistsAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string path && path.Length > 0 && !File.Exists(path)
            ? new ValidationResult($"{validationContext.MemberName} '{path}' does not exist.", validationContext.MemberName is { } member ? [member] : null)
            : ValidationResult.Success;
}
