using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace Microsoft.Extensions.Configuration;

public static class ValidatedConfiguration
{
    /// <summary>
    /// Section <paramref name="sectionName"/> bound to a new <typeparamref name="T"/> and validated as options are at a
    /// host's start (data annotations, then <see cref="IValidatableObject"/>), for what is read before a host exists.
    /// </summary>
    /// <exception cref="ValidationException">The first value that fails; a command reports it in one line.</exception>
    public static T GetValidated<T>(this IConfiguration configuration, string sectionName) where T : class, new()
    {
        var options = configuration.GetSection(sectionName).Get<T>() ?? new T();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }

    /// <summary>The section an options class names with its <c>public const string SectionName</c>; null without one.</summary>
    public static string? SectionNameOf(Type options)
        => options.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? field.GetRawConstantValue() as string : null;
}
