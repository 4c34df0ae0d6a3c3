using System.Text.RegularExpressions;
using Orleans.Reminders.Redis;
using StackExchange.Redis;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// StackExchange.Redis's failure to connect, however Orleans' clustering, storage or reminders report it as theirs when
/// Redis went away, or began refusing the credentials, after the start's check (<see cref="RedisReachability"/>).
/// </summary>
/// <param name="Message">StackExchange.Redis's message, its first line.</param>
/// <param name="RefusedCredentials">
/// Redis answered and refused the password or user (WRONGPASS, NOAUTH): a setting to correct, not an unreachable service.
/// StackExchange.Redis calls any failure of a connection's handshake "an authentication failure" (also a connection
/// aborted or a TLS certificate refused), so only Redis's own answer in it (a RedisServerException) tells refused credentials.
/// </param>
public sealed partial record RedisConnectionFailure(string Message, bool RefusedCredentials)
{
    private const string AuthenticationFailure = "There was an authentication failure";

    /// <summary>The failure <paramref name="error"/> is or wraps; null for any other error.</summary>
    public static RedisConnectionFailure? Find(Exception error) => error switch
    {
        RedisConnectionException redis => FromText(FirstLine(redis.Message)),
        // Orleans' Redis reminder table keeps only the failure's text (its ToString), with no inner exception.
        RedisRemindersException { Message: var text } when text.StartsWith(ConnectionExceptionPrefix, StringComparison.Ordinal)
            => FromText(FirstLine(text[ConnectionExceptionPrefix.Length..])),
        AggregateException { InnerExceptions: [var single] } => Find(single),
        { InnerException: { } inner } => Find(inner),
        _ => null,
    };

    /// <summary>
    /// The line that tells refused credentials, at the check (with the addresses it tried) and later (without: Orleans'
    /// reports do not name them); <paramref name="redisMessage"/> is StackExchange.Redis's.
    /// </summary>
    public static string DescribeRefusedCredentials(string? endPoints, string redisMessage)
        => $"Cluster:Redis: Redis{(endPoints is null ? "" : $" at {endPoints}")} refused the credentials ({ServerError().Match(redisMessage) switch { { Success: true } error => error.Groups["reason"].Value, _ => redisMessage }}): "
            + "the password= (and user=) in Cluster:Redis are not the server's";

    private static RedisConnectionFailure FromText(string message)
        => new(message, message.Contains(AuthenticationFailure, StringComparison.Ordinal) && ServerError().IsMatch(message));

    private static readonly string ConnectionExceptionPrefix = typeof(RedisConnectionException).FullName + ": ";

    /// <summary>The message alone, without the " ---> " of an inner exception or a stack.</summary>
    private static string FirstLine(string text) => text.Split('\n')[0].Split(" ---> ")[0].TrimEnd();

    /// <summary>Redis's own answer within StackExchange.Redis's sentence: "…configured correctly: (RedisServerException) Error: WRONGPASS invalid …".</summary>
    [GeneratedRegex(@"\(RedisServerException\) (?:Error: )?(?<reason>.+)$")]
    private static partial Regex ServerError();
}
