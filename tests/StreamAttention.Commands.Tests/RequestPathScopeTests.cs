using System.Collections;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// A console line written while a request is served carries ASP.NET Core's request scope (<c>RequestPath:… RequestId:…</c>,
/// written when scopes are on, as they are by default); on a user's routes the path names the user, so the line writes
/// the user's segment as <c>{userId}</c> unless <c>Telemetry:RawUserPaths</c>. In the stderr-capturing collection.
/// </summary>
[Collection(nameof(ControlCharacterEscapingLogProviderTests))]
public sealed class RequestPathScopeTests
{
    private const string ColorsOff = "--Logging:Console:FormatterOptions:ColorBehavior=Disabled";

    [Fact]
    public void A_line_within_a_request_on_a_users_route_writes_its_path_without_the_user()
    {
        var line = Assert.Single(LogInRequest([ColorsOff], "/tenants/acme/users/alice/interests/db"));

        Assert.EndsWith("=> RequestPath:/tenants/acme/users/{userId}/interests/db RequestId:0HN1:00000001 Interest not found", line);
    }

    [Fact]
    public void A_line_within_a_request_on_another_route_writes_its_path_as_it_is()
    {
        var line = Assert.Single(LogInRequest([ColorsOff], "/tenants/acme/interests:import"));

        Assert.EndsWith("=> RequestPath:/tenants/acme/interests:import RequestId:0HN1:00000001 Interest not found", line);
    }

    [Fact]
    public void Raw_user_paths_write_the_user()
    {
        var line = Assert.Single(LogInRequest([ColorsOff, "--Telemetry:RawUserPaths=true"], "/users/alice/interests"));

        Assert.EndsWith("=> RequestPath:/users/alice/interests RequestId:0HN1:00000001 Interest not found", line);
    }

    private static string[] LogInRequest(string[] configurationArgs, string path)
        => ControlCharacterEscapingLogProviderTests.LogToConsole(configurationArgs, logger =>
        {
            using var request = logger.BeginScope(new RequestScope(path, "0HN1:00000001"));
            logger.LogWarning("Interest not found");
        });

    /// <summary>ASP.NET Core's request scope as its hosting begins it: the values, and the text the console writes.</summary>
    private sealed class RequestScope(string path, string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public KeyValuePair<string, object> this[int index] => index switch
        {
            0 => new("RequestId", requestId),
            1 => new("RequestPath", path),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public int Count => 2;

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestPath:{path} RequestId:{requestId}";
    }
}
