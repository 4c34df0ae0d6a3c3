using System.Text.RegularExpressions;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A request path without the user it names: a user's routes are <c>/tenants/{tenant}/users/{userId}/…</c> and
/// <c>/users/{userId}/…</c> (the server's <c>UserRoutes</c>), so their path carries a person's id into every span and
/// log line that repeats it. The user's segment becomes <see cref="RedactedUser"/>, as in the route's template; the
/// tenant and the rest of the path stay.
/// </summary>
public static partial class UserPaths
{
    /// <summary>What a user's segment of a path becomes.</summary>
    public const string RedactedUser = "{userId}";

    /// <summary><paramref name="path"/> with its user's segment redacted; itself when it names no user.</summary>
    public static string Redact(string path) => UserSegment().Replace(path, "${prefix}" + RedactedUser, 1);

    /// <summary>The user's segment, after its prefix; case-insensitive, as routing matches the route.</summary>
    [GeneratedRegex(@"^(?<prefix>(?:/tenants/[^/]+)?/users/)[^/]+", RegexOptions.IgnoreCase)]
    private static partial Regex UserSegment();
}
