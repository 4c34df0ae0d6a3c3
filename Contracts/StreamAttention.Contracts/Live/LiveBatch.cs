using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Live;

/// <summary>
/// A scored batch's decided matches as the live feed carries them: the gateway's own result, the batch's texts (and
/// their source ids and message ids, where given), the time its matches were formed and where the feed grain's erasures
/// stood before they were decided (<paramref name="DecidedAfter"/>; null: unknown, as if before any). A match becomes a
/// <see cref="LiveMatch"/> only on a silo with stream clients (or that had them lately), since most of the time nobody
/// watches.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.LiveBatch")]
public sealed record LiveBatch(DateTimeOffset At, IReadOnlyList<string> Texts, IReadOnlyList<TextMatch> Matches, IReadOnlyList<string>? Sources = null,
    IReadOnlyList<string>? MessageIds = null, ErasureMark? DecidedAfter = null)
{
    /// <summary>Match <paramref name="index"/> as the user's history shows it.</summary>
    public LiveMatch MatchAt(int index)
    {
        var m = Matches[index];
        return new LiveMatch(m.UserId, new UserMatch(At, m.InterestId, Texts[m.TextIndex], m.Score, m.Highlights, m.MatchId ?? "",
            m.Delivery, m.DuplicateOf, m.Truncated, m.RawScore, Sources?[m.TextIndex], MessageIds?[m.TextIndex]));
    }
}
