using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops the user's key from Orleans' grain-call spans before they are exported: Orleans names the grain called and
/// the calling one (<c>orleans.rpc.target_id</c>, <c>orleans.rpc.source_id</c>), and a user's grain is
/// <c>user/&lt;tenant/user&gt;</c> (<c>UserGrain.GrainTypeName</c>), a person's id in every trace that decided a match
/// for them. A failed call's span holds its exception (<c>exception.message</c>, <c>exception.stacktrace</c>), whose
/// messages name grains by id too (a call to a user's grain that timed out, and each call it failed up through): a user
/// grain's id there becomes its type as well. The grain type stays, so a trace still shows that a user's grain decided;
/// the match records name the user.
/// </summary>
public sealed partial class UserGrainIdRedaction : BaseProcessor<Activity>
{
    /// <summary>What a user grain's id becomes in a span.</summary>
    public const string Redacted = "user";

    private const string UserGrainPrefix = "user/";

    private static readonly string[] GrainIdTags = ["orleans.rpc.target_id", "orleans.rpc.source_id"];

    private static readonly string[] ExceptionTags = ["exception.message", "exception.stacktrace"];

    public override void OnEnd(Activity data)
    {
        foreach (var tag in GrainIdTags)
        {
            if (data.GetTagItem(tag) is string id && id.StartsWith(UserGrainPrefix, StringComparison.Ordinal))
            {
                data.SetTag(tag, Redacted);
            }
        }
        foreach (var tag in ExceptionTags)
        {
            if (data.GetTagItem(tag) is string text && text.Contains(UserGrainPrefix, StringComparison.Ordinal))
            {
                data.SetTag(tag, UserGrainIds().Replace(text, Redacted));
            }
        }
    }

    /// <summary>A user grain's id in a text: its type, '/', and its key (<c>Ids.UserPattern</c>'s characters, one '/' at most).</summary>
    [GeneratedRegex(@"\buser/[A-Za-z0-9._:-]+(?:/[A-Za-z0-9._:-]+)?")]
    private static partial Regex UserGrainIds();
}
