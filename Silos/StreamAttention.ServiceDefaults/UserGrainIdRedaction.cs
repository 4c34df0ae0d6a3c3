using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops the user's key from Orleans' grain-call spans before they are exported: Orleans names the grain called and
/// the calling one (<c>orleans.rpc.target_id</c>, <c>orleans.rpc.source_id</c>), and a user's grain is
/// <c>user/&lt;tenant/user&gt;</c> (<c>UserGrain.GrainTypeName</c>), a person's id in every trace that decided a match
/// for them. The grain type stays, so a trace still shows that a user's grain decided; the match records name the user.
/// </summary>
public sealed class UserGrainIdRedaction : BaseProcessor<Activity>
{
    /// <summary>What a user grain's id becomes in a span.</summary>
    public const string Redacted = "user";

    private const string UserGrainPrefix = "user/";

    private static readonly string[] GrainIdTags = ["orleans.rpc.target_id", "orleans.rpc.source_id"];

    public override void OnEnd(Activity data)
    {
        foreach (var tag in GrainIdTags)
        {
            if (data.GetTagItem(tag) is string id && id.StartsWith(UserGrainPrefix, StringComparison.Ordinal))
            {
                data.SetTag(tag, Redacted);
            }
        }
    }
}
