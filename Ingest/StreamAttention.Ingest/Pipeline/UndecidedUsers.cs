using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// The users of one message whose grains could not decide their matches (<see cref="DeliveryKinds.Undecided"/>), each
/// with the error and the user's incarnation (<see cref="TextMatch.Incarnation"/>): the message goes to the dead-letter topic once per such user instead of those matches being published.
/// </summary>
public sealed class UndecidedUsers
{
    private readonly Dictionary<string, (string Error, Guid? Incarnation)> _errors = new(StringComparer.Ordinal);

    public int Count => _errors.Count;

    /// <summary>The decided matches (the same list when all are), and the users left undecided (null when none is).</summary>
    public static (List<TextMatch> Decided, UndecidedUsers? Undecided) Split(List<TextMatch> matches)
    {
        if (!matches.Exists(static m => m.Delivery == DeliveryKinds.Undecided))
        {
            return (matches, null);
        }
        var undecided = new UndecidedUsers();
        var decided = new List<TextMatch>(matches.Count);
        foreach (var match in matches)
        {
            if (match.Delivery == DeliveryKinds.Undecided)
            {
                undecided._errors.TryAdd(match.UserId, (match.DecisionError ?? "the user's grain did not decide", match.Incarnation));
            }
            else
            {
                decided.Add(match);
            }
        }
        return (decided, undecided);
    }

    /// <summary>Forgets <paramref name="users"/> (erased since the batch's scoring began: no dead letter is written for them) and returns how many it held.</summary>
    public int Remove(IReadOnlySet<string> users) => users.Count(_errors.Remove);

    /// <summary>
    /// Each user as the message's dead letter names it (within the message's tenant: a user grain key is
    /// "tenant/user"), with the error and the incarnation its dead letter carries, in user order. A replayed message
    /// (<see cref="Decoding.IngestMessage.ReplayedForItsUser"/>) keeps the incarnation its dead letter carried (or none),
    /// so a dead letter is never moved to another incarnation than the one it was first written for.
    /// </summary>
    public IEnumerable<(string User, string Error, Guid? Incarnation)> Of(Decoding.IngestMessage message)
        => _errors.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => (message.UserOf(e.Key), e.Value.Error, message.ReplayedForItsUser ? message.DeadLetteredFor : e.Value.Incarnation));
}
