namespace StreamAttention.Server.Security;

/// <summary>
/// Marks an endpoint whose GET takes its bearer token from the query's <c>access_token</c>: a browser's EventSource
/// sends no headers. No other endpoint does (a token in a URL ends in proxy logs and histories).
/// </summary>
public sealed class TokenInQuery
{
    private TokenInQuery()
    {
    }

    internal static TokenInQuery Marker { get; } = new();
}

public static class TokenInQueryExtensions
{
    public static TBuilder AcceptsTokenInQuery<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(TokenInQuery.Marker);
}
