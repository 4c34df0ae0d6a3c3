using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops the user's id from ASP.NET Core's server spans before they are exported: their <c>url.path</c> is the
/// request's, and on a user's routes it names the user (<see cref="UserPaths"/>). <c>http.route</c>, the route's
/// template, and the span's name hold none.
/// </summary>
public sealed class UrlPathRedaction : BaseProcessor<Activity>
{
    private const string UrlPath = "url.path";

    public override void OnEnd(Activity data)
    {
        if (data.GetTagItem(UrlPath) is string path)
        {
            data.SetTag(UrlPath, UserPaths.Redact(path));
        }
    }
}
