using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace Microsoft.Extensions.Configuration;

public static class ValidatedConfiguration
{
    /// <summary>
    /// Section <paramref name="sectionName"/> bound to a new <typeparamref name="T"/> and validated as options are at a
    /// host's start (data annotations, then <see cref="IValidatableObject"/>), for what is read before a host exists.
    /// </summary>
    /// <exception cref="ValidationException">
    /// The first value that fails, named by its key ("Cluster:SiloPort: The field SiloPort must be between 1 and 65535."),
    /// as a host's start names it: the annotation's own message names only the .NET member. A command reports it in one line.
    /// </exception>
    public static T GetValidated<T>(this IConfiguration configuration, string sectionName) where T : class, new()
    {
        var options = configuration.GetSection(sectionName).Get<T>() ?? new T();
        try
        {
            Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        }
        // A message that starts with a key of the section ("Telemetry:TraceSampleRatio must be …") names it already.
        catch (ValidationException refused) when (refused.ValidationResult.MemberNames.Any() && !refused.Message.StartsWith(sectionName + ":", StringComparison.OrdinalIgnoreCase))
        {
            var keys = string.Join(", ", refused.ValidationResult.MemberNames.Select(member => $"{sectionName}:{member}"));
            throw new ValidationException($"{keys}: {refused.ValidationResult.ErrorMessage}", refused);
        }
        return options;
    }

    /// <summary>The section an options class names with its <c>public const string SectionName</c>; null without one.</summary>
    public static string? SectionNameOf(Type options)
        => options.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? field.GetRawConstantValue() as string : null;
}
