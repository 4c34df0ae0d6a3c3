using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The delivery policy as a pure decision over <see cref="AttentionState"/>, on the injected clock: whether a match
/// goes to the person now, waits for a digest, or never goes out, and when the waiting matches go out as a digest.
/// Rules in order, first that applies wins:
/// <list type="number">
/// <item>muted: its interest, or a word of its text, is muted until later than now;</item>
/// <item>suppressed-duplicate: its MinHash similarity to a match delivered or queued within the duplicate window
/// reaches the policy's similarity (it refers to that match);</item>
/// <item>quiet-hours: inside quiet hours, unless its score reaches the critical score (then immediate, bypassing the
/// rate limit too);</item>
/// <item>deferred: the rate limit's window already holds its maximum of immediate notifications;</item>
/// <item>immediate.</item>
/// </list>
/// A digest is due <see cref="DigestPolicy.DigestEvery"/> after the first pending match (the end of quiet hours for one
/// deferred by them) and never goes out inside quiet hours, so quiet hours end with one digest.
/// A user's state stays bounded: the digest's matches beyond those it lists are only counted, and at most
/// <paramref name="maxFingerprints"/> recent matches are checked for near-duplicates.
/// </summary>
public sealed class AttentionFilter(TimeProvider time, int maxFingerprints = InterestLimitsOptions.DefaultMaxFingerprints)
{
    /// <summary>How many digests a user's state keeps for <c>GET …/digests</c>.</summary>
    public const int RecentDigests = 10;

    /// <summary>The clock the attention runs on (a fake one in tests).</summary>
    public TimeProvider Time => time;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The decision on <paramref name="match"/> (a deferred one waits in <paramref name="state"/>, decided).</summary>
    public MatchDecision Decide(UserMatch match, DeliveryPolicy policy, AttentionState state)
    {
        var now = Now;
        Forget(policy, state, now);
        if (IsMuted(match, policy, now))
        {
            return new MatchDecision(DeliveryKinds.Muted, match.Score);
        }
        var sketch = MinHashSignature.SketchOf(match.Text);
        if (policy.Duplicates.Enabled && FirstSimilar(state.RecentFingerprints(), sketch, policy.Duplicates.Similarity) is >= 0 and var original)
        {
            return new MatchDecision(DeliveryKinds.SuppressedDuplicate, match.Score, state.RecentFingerprints().MatchId(original));
        }
        state.KeepNewestFingerprints(maxFingerprints - 1);
        state.AddFingerprint(MatchKey.Of(match.MatchId), now, sketch);
        if (QuietHoursWindow.IsQuiet(policy.QuietHours, now, out var quietEnd))
        {
            if (match.Score >= policy.QuietHours!.CriticalScore)
            {
                state.AddImmediate(now);
                return new MatchDecision(DeliveryKinds.Immediate, match.Score);
            }
            return Defer(match, DeliveryKinds.QuietHours, state, quietEnd, policy.Digest.DigestSize);
        }
        if (state.ImmediateTimes.Count >= policy.RateLimit.MaxImmediate)
        {
            return Defer(match, DeliveryKinds.Deferred, state, now + policy.Digest.DigestEvery, policy.Digest.DigestSize);
        }
        state.AddImmediate(now);
        return new MatchDecision(DeliveryKinds.Immediate, match.Score);
    }

    /// <summary>
    /// The digest of the pending matches when it is due (moving them out of <paramref name="state"/>), else null.
    /// The best <see cref="DigestPolicy.DigestSize"/> by score are listed, grouped by interest, the rest counted.
    /// </summary>
    public Digest? TakeDueDigest(string userId, DeliveryPolicy policy, AttentionState state)
    {
        var now = Now;
        if (!state.HasPending || state.NextDigestAt is not { } due || now < due || QuietHoursWindow.IsQuiet(policy.QuietHours, now, out _))
        {
            return null;
        }
        var (pending, unlisted) = (state.Pending, state.Unlisted);
        var listed = pending.OrderByDescending(m => m.Score).ThenBy(m => m.At).Take(policy.Digest.DigestSize).ToHashSet();
        var groups = pending.Select(m => m.InterestId).Union(unlisted.Keys, StringComparer.Ordinal)
            .Select(interestId =>
            {
                var matches = pending.Where(m => m.InterestId == interestId).ToArray();
                return new DigestGroup(interestId, matches.Where(listed.Contains).OrderByDescending(m => m.Score).ToArray(),
                    matches.Count(m => !listed.Contains(m)) + unlisted.GetValueOrDefault(interestId));
            })
            .OrderByDescending(g => g.Top.Count == 0 ? float.MinValue : g.Top[0].Score).ThenBy(g => g.InterestId, StringComparer.Ordinal)
            .ToArray();
        var reason = state.UnlistedQuietHours || pending.Any(m => m.Delivery == DeliveryKinds.QuietHours) ? DigestReasons.QuietHoursEnd : DigestReasons.Schedule;
        state.DigestSequence++;
        var digest = new Digest($"{userId}/{state.DigestSequence}", userId, now, reason, pending.Count + unlisted.Values.Sum(), groups);
        state.ClearPending();
        state.RecentDigests.Add(digest);
        if (state.RecentDigests.Count > RecentDigests)
        {
            state.RecentDigests.RemoveAt(0);
        }
        return digest;
    }

    /// <summary>The pending match is kept decided: the digest lists it as the history shows it.</summary>
    private static MatchDecision Defer(UserMatch match, string kind, AttentionState state, DateTimeOffset due, int listed)
    {
        state.AddPending(match with { Delivery = kind }, due, listed);
        return new MatchDecision(kind, match.Score);
    }

    private static bool IsMuted(UserMatch match, DeliveryPolicy policy, DateTimeOffset now)
    {
        List<string>? words = null;
        foreach (var mute in policy.Mutes)
        {
            if (mute.Until <= now)
            {
                continue;
            }
            if (mute.InterestId == match.InterestId)
            {
                return true;
            }
            if (mute.Term is { } term)
            {
                words ??= MinHashSignature.Words(match.Text);
                if (MinHashSignature.Words(term) is [var muted] && words.Contains(muted))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The position of the oldest fingerprint whose similarity to <paramref name="sketch"/> reaches <paramref name="similarity"/>; -1 when none does.</summary>
    private static int FirstSimilar(FingerprintWindow fingerprints, byte[] sketch, double similarity)
        => MinHashSignature.IsEmpty(sketch) ? -1 : fingerprints.FirstAgreeing(sketch, MinHashSignature.AgreementsFor(similarity));

    /// <summary>Drops notifications and fingerprints that left their windows (the oldest of each: both are in time order).</summary>
    private static void Forget(DeliveryPolicy policy, AttentionState state, DateTimeOffset now)
    {
        if (state.ImmediateTimes.Count > 0)
        {
            state.ForgetImmediateUntil(now - policy.RateLimit.Window);
        }
        if (state.RecentFingerprints().Count > 0)
        {
            state.ForgetFingerprintsUntil(now - policy.Duplicates.DuplicateWindow);
        }
    }
}
