using System.Runtime.InteropServices;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// A batch's matches grouped by user, as indexes into the batch: users numbered in order of their first match, each
/// user's indexes in the batch's order. Two arrays for the whole batch instead of a list per user.
/// </summary>
public sealed class MatchesByUser
{
    private readonly string[] _users;
    // User u's indexes are _order[_start[u].._start[u + 1]].
    private readonly int[] _start;
    private readonly int[] _order;

    private MatchesByUser(string[] users, int[] start, int[] order) => (_users, _start, _order) = (users, start, order);

    public int Count => _users.Length;

    public string UserId(int user) => _users[user];

    public ReadOnlyMemory<int> Indexes(int user) => _order.AsMemory(_start[user].._start[user + 1]);

    /// <param name="expectedUsers">
    /// How many users the batch is likely to have (its caller's last batch had that many): the look-up is sized once
    /// instead of growing from empty through every smaller size. The grouping does not depend on it.
    /// </param>
    public static MatchesByUser Of(IReadOnlyList<(string UserId, UserMatch Match)> matches, int expectedUsers = 0)
    {
        var capacity = Math.Clamp(expectedUsers, 0, matches.Count);
        var numbers = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        var userOf = new int[matches.Count];
        var counts = new List<int>(capacity);
        for (var i = 0; i < matches.Count; i++)
        {
            ref var user = ref CollectionsMarshal.GetValueRefOrAddDefault(numbers, matches[i].UserId, out var known);
            if (!known)
            {
                user = counts.Count;
                counts.Add(0);
            }
            userOf[i] = user;
            counts[user]++;
        }
        var users = new string[numbers.Count];
        var start = new int[numbers.Count + 1];
        foreach (var (userId, user) in numbers)
        {
            users[user] = userId;
        }
        for (var u = 0; u < users.Length; u++)
        {
            start[u + 1] = start[u] + counts[u];
        }
        var order = new int[matches.Count];
        // From the last match back, each user's places fill from its last, so every user's indexes keep the batch's order.
        for (var i = matches.Count - 1; i >= 0; i--)
        {
            order[start[userOf[i]] + --counts[userOf[i]]] = i;
        }
        return new MatchesByUser(users, start, order);
    }
}
