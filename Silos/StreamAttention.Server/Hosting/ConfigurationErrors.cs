using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StreamAttention.Grains.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Tells the configuration a command's host refused as it was built or started (a value that does not convert, options
/// that fail validation, an address Kestrel cannot parse) from the command's own failures, so that a bad value stops the
/// command with one line naming it (exit code <see cref="ExitCode"/>) instead of an unhandled exception's stack.
/// </summary>
public static partial class ConfigurationErrors
{
    public const int ExitCode = 2;

    /// <summary>What is wrong, when <paramref name="error"/> is a refused configuration; otherwise null.</summary>
    public static string? Describe(Exception error) => error switch
    {
        AggregateException { InnerExceptions: [var single] } => Describe(single),
        // A silo lifecycle participant's refusal (e.g. the cluster's model check) as Orleans' start reports it.
        Orleans.Runtime.OrleansLifecycleCanceledException { InnerException: { } refusal } => Describe(refusal),
        // Orleans' own check of its options at the silo's start, e.g. "ClusterMembershipOptions.ProbeTimeout (-00:00:01) must be
        // greater than 0.": named by the section that sets them, as the rest are.
        Orleans.Runtime.OrleansConfigurationException orleans => orleans.Message.Replace($"{nameof(Orleans.Configuration.ClusterMembershipOptions)}.", $"{SiloClusterOptions.MembershipSectionName}:", StringComparison.Ordinal),
        OptionsValidationException validation => string.Join("; ", validation.Failures.Select(failure => WithKey(failure, validation.OptionsType))),
        ValidationException validation => validation.Message,
        StreamAttention.Embeddings.ModelFilesException files => files.Message,
        // The configuration binder's "Failed to convert configuration value 'abc' at 'Section:Key' to type …".
        InvalidOperationException { TargetSite.DeclaringType.Namespace: "Microsoft.Extensions.Configuration" } binding => binding.Message,
        // Kestrel's "Invalid url: '…'" for --urls.
        FormatException { TargetSite.DeclaringType.FullName: "Microsoft.AspNetCore.Http.BindingAddress" } address => address.Message,
        // Redis began refusing Cluster:Redis's password or user after the start's check passed (changed since): Orleans
        // reports it as its own failure, and it is told as the check tells it.
        _ => RedisConnectionFailure.Find(error) is { RefusedCredentials: true } refused ? RedisConnectionFailure.DescribeRefusedCredentials(null, refused.Message) : null,
    };

    /// <summary>
    /// Options a command fills from its own command-line options, refused: each failure named by the option the user gave
    /// (<paramref name="optionOfMember"/>: member → option, e.g. <c>MaxReplays</c> → <c>--max-replays</c>), not by the
    /// validator's .NET type and member. A failure two validators found (an option both Kafka clients take) is told once.
    /// </summary>
    public static string DescribeCommandLine(OptionsValidationException validation, IReadOnlyDictionary<string, string> optionOfMember)
        => string.Join("; ", validation.Failures.Select(failure => Named(failure, member => optionOfMember.GetValueOrDefault(member, member))).Distinct(StringComparer.Ordinal));

    /// <summary>
    /// A data annotation's failure as the setting's key says it ("Scoring:DefaultThreshold: The field … must be between
    /// -1 and 1."), for options that name their section (<c>SectionName</c>): the validator names the .NET type and member.
    /// </summary>
    private static string WithKey(string failure, Type options)
        => ValidatedConfiguration.SectionNameOf(options) is { } section ? Named(failure, member => $"{section}:{member}") : failure;

    /// <summary>
    /// A data annotation's failure with its members named by <paramref name="name"/>, unless its message begins with
    /// that name already ("Ingest:Output:MaxRecordBytes must be …" of member Output); another failure as it is.
    /// </summary>
    private static string Named(string failure, Func<string, string> name)
    {
        if (DataAnnotationFailure().Match(failure) is not { Success: true } match)
        {
            return failure;
        }
        var (names, error) = (string.Join(", ", match.Groups["members"].Value.Split(',').Select(member => name(member.Trim()))), match.Groups["error"].Value);
        return error.StartsWith(names, StringComparison.Ordinal) && error.Length > names.Length && error[names.Length] is ':' or ' ' ? error : $"{names}: {error}";
    }

    [GeneratedRegex("^DataAnnotation validation failed for '[^']+' members: '(?<members>[^']+)' with the error: '(?<error>.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
