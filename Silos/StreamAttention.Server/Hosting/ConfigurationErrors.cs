using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Tells the configuration a command's host refused as it was built or started (a value that does not convert, options
/// that fail validation, an address Kestrel cannot parse) from the command's own failures, so that a bad value stops the
/// command with one line naming it (exit code <see cref="ExitCode"/>) instead of an unhandled exception's stack.
/// </summary>
public static class ConfigurationErrors
{
    public const int ExitCode = 2;

    /// <summary>What is wrong, when <paramref name="error"/> is a refused configuration; otherwise null.</summary>
    public static string? Describe(Exception error) => error switch
    {
        AggregateException { InnerExceptions: [var single] } => Describe(single),
        // A silo lifecycle participant's refusal (e.g. the cluster's model check) as Orleans' start reports it.
        Orleans.Runtime.OrleansLifecycleCanceledException { InnerException: { } refusal } => Describe(refusal),
        OptionsValidationException validation => string.Join("; ", validation.Failures),
        ValidationException validation => validation.Message,
        StreamAttention.Embeddings.ModelFilesException files => files.Message,
        // The configuration binder's "Failed to convert configuration value 'abc' at 'Section:Key' to type …".
        InvalidOperationException { TargetSite.DeclaringType.Namespace: "Microsoft.Extensions.Configuration" } binding => binding.Message,
        // Kestrel's "Invalid url: '…'" for --urls.
        FormatException { TargetSite.DeclaringType.FullName: "Microsoft.AspNetCore.Http.BindingAddress" } address => address.Message,
        _ => null,
    };
}
