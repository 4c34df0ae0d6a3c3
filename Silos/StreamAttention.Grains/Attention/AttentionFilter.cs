using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Users;
using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The delivery policy as a pure decision over <see cref="AttentionState"/>, on the injected clock: whether a match
/// goes to the person now, waits for a digest, or never goes out, and when the waiting matches go out as a digest.
/// Rules in order, first that applies wins:
/// <list type="number">
/// <item>muted: its interest, or a word of its text, is muted until later than now;</item>
/// <item>suppressed-duplicate: its MinHash similarity to a match delivered or queued within the duplicate window
/// reaches the policy's similarity, and it has no word that match's text lacks (it refers to that match; an escalation,
/// a resolution or another service in the same wording is news, not a duplicate). Where the user's history no longer
/// holds that match's text, the similarity alone decides;</item>
/// <item>quiet-hours: inside quiet hours, unless its score reaches the critical score, its interest is one the quiet
/// hours name as critical (every interest where they name none), and the rate limit's window has room (then immediate);</item>
/// <item>deferred: the rate limit's window already holds its maximum of immediate notifications;</item>
/// <item>immediate.</item>
/// </list>
/// A digest is due <see cref="DigestPolicy.DigestEvery"/> after the first pending match (the end of quiet hours for one
/// deferred by them) and never goes out inside quiet hours, so quiet hours end with one digest. A suppressed
/// near-duplicate is counted against its original (<see cref="AttentionState.Repeats"/>) and makes a digest due as a
/// deferred match does: it lists the <see cref="DigestPolicy.DigestSize"/> most repeated originals and counts the others'
/// repeats, and those of originals forgotten, in <see cref="Digest.MoreRepeats"/>.
/// A user's state stays bounded: the digest's matches beyond those it lists are only counted, and at most
/// <paramref name="maxFingerprints"/> recent matches are checked for near-duplicates.
/// </summary>
public sealed class AttentionFilter(TimeProvider time, int maxFingerprints = InterestLimitsOptions.DefaultMaxFingerprints)
{
    /// <summary>How many digests a user's state keeps for <c>GET …/digests</c>.</summary>
    public const int RecentDigests = 10;

    /// <summary>
    /// How many digests formed but not yet taken by every sink (the outbox) a user's state holds. With that many unsent
    /// (Kafka down, a tenant without its digest topic) no further digest is formed: the waiting matches go on being
    /// listed and counted, as bounded as ever, for the one formed once the outbox has room, which counts them all. A
    /// digest formed every hour of a two-week outage made the outbox, and every write of the user's state, grow by one.
    /// No more than <see cref="RecentDigests"/>: the unsent are the newest formed, so each stays readable at
    /// <c>GET …/digests</c>.
    /// </summary>
    public const int MaxUnsentDigests = RecentDigests;

    /// <summary>The clock the attention runs on (a fake one in tests).</summary>
    public TimeProvider Time => time;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The decision on <paramref name="match"/> (a deferred one waits in <paramref name="state"/>, decided).</summary>
    /// <param name="textOf">The text of an earlier match by its key, where the user's history still holds it (null: none kept).</param>
    public MatchDecision Decide(UserMatch match, DeliveryPolicy policy, AttentionState state, Func<MatchKey, string?>? textOf = null)
    {
        var now = Now;
        Forget(policy, state, now);
        if (IsMuted(match, policy, now))
        {
            return new MatchDecision(DeliveryKinds.Muted, match.Score);
        }
        var sketch = MinHashSignature.SketchOf(match.Text);
        if (policy.Duplicates.Enabled && FirstDuplicate(state.RecentFingerprints(), sketch, policy.Duplicates.Similarity, match.Text, textOf) is >= 0 and var original)
        {
            var originalId = state.RepeatedId(state.RecentFingerprints().Key(original));
            // The person hears of the repeats in the next digest: one that keeps firing is not one that fired once.
            var quiet = QuietHoursWindow.IsQuiet(policy.QuietHours, now, out var end);
            state.AddRepeat(originalId, match, now, quiet ? end : now + policy.Digest.DigestEvery, maxFingerprints, quiet);
            return new MatchDecision(DeliveryKinds.SuppressedDuplicate, match.Score, originalId);
        }
        state.KeepNewestFingerprints(maxFingerprints - 1);
        state.AddFingerprint(MatchKey.Of(match.MatchId), now, sketch);
        var rateLimited = state.ImmediateTimes.Count >= policy.RateLimit.MaxImmediate;
        if (QuietHoursWindow.IsQuiet(policy.QuietHours, now, out var quietEnd))
        {
            // A critical match breaks the quiet within the rate limit only: quiet hours are never noisier than the rest of the day.
            if (!policy.QuietHours!.IsCritical(match.InterestId, match.Score) || rateLimited)
            {
                return Defer(match, DeliveryKinds.QuietHours, state, quietEnd, policy.Digest.DigestSize);
            }
            state.AddImmediate(now);
            return new MatchDecision(DeliveryKinds.Immediate, match.Score);
        }
        if (rateLimited)
        {
            return Defer(match, DeliveryKinds.Deferred, state, now + policy.Digest.DigestEvery, policy.Digest.DigestSize);
        }
        state.AddImmediate(now);
        return new MatchDecision(DeliveryKinds.Immediate, match.Score);
    }

    /// <summary>
    /// The digest of the pending matches when it is due (moving them out of <paramref name="state"/>), else null.
    /// The best <see cref="DigestPolicy.DigestSize"/> by score are listed, grouped by interest, the rest counted. None is
    /// due while the outbox holds <see cref="MaxUnsentDigests"/>.
    /// </summary>
    public Digest? TakeDueDigest(string userId, DeliveryPolicy policy, AttentionState state)
    {
        var now = Now;
        if (!state.HasPending || state.NextDigestAt is not { } due || now < due || state.Outbox.Count >= MaxUnsentDigests
            || QuietHoursWindow.IsQuiet(policy.QuietHours, now, out _))
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
        // Numbered by the clock (one more than the last where that is later), not by a count: an erasure clears the
        // count and a restored snapshot rolls it back, while the digests sent meanwhile stay on the topic under their
        // ids, by which consumers drop a resent digest.
        state.DigestSequence = Math.Max(state.DigestSequence + 1, now.ToUnixTimeMilliseconds());
        var repeats = state.RepeatsMostFirst().Take(policy.Digest.DigestSize).ToArray();
        var moreRepeats = state.Repeats.Values.Sum(r => r.Count) - repeats.Sum(r => r.Count) + state.ForgottenRepeats;
        var digest = new Digest($"{userId}/{state.DigestSequence}", userId, now, reason, pending.Count + unlisted.Values.Sum(), groups, repeats, moreRepeats);
        state.ClearPending();
        state.RecentDigests.Add(digest);
        if (state.RecentDigests.Count > RecentDigests)
        {
            state.RecentDigests.RemoveAt(0);
        }
        return digest;
    }

    /// <summary>
    /// After the user's policy changed to <paramref name="policy"/>: the waiting matches' digest is due no later than
    /// the new policy would have it, <see cref="DigestPolicy.DigestEvery"/> from now, or for matches quiet hours held,
    /// the end of the new quiet hours (now, when they are over or gone). A digest already due sooner stays so.
    /// </summary>
    public void Reschedule(DeliveryPolicy policy, AttentionState state)
    {
        if (!state.HasPending)
        {
            return;
        }
        var now = Now;
        var due = now + policy.Digest.DigestEvery;
        if (state.UnlistedQuietHours || state.Pending.Any(m => m.Delivery == DeliveryKinds.QuietHours))
        {
            due = QuietHoursWindow.IsQuiet(policy.QuietHours, now, out var quietEnd) ? quietEnd : now;
        }
        if (state.NextDigestAt is not { } scheduled || due < scheduled)
        {
            state.NextDigestAt = due;
        }
    }

    /// <summary>The pending match is kept decided: the digest lists it as the history shows it.</summary>
    private static MatchDecision Defer(UserMatch match, string kind, AttentionState state, DateTimeOffset due, int listed)
    {
        state.AddPending(match with { Delivery = kind }, due, listed);
        return new MatchDecision(kind, match.Score);
    }

    private static bool IsMuted(UserMatch match, DeliveryPolicy policy, DateTimeOffset now)
    {
        string[]? words = null;
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
                words ??= LexicalWords.Split(match.Text);
                if (KeywordRules.ContainsPhrase(words, LexicalWords.Split(term)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// The position of the oldest fingerprint whose similarity to <paramref name="sketch"/> reaches <paramref name="similarity"/>
    /// and whose text, where known, has every word of <paramref name="text"/>; -1 when none has.
    /// </summary>
    private static int FirstDuplicate(FingerprintWindow fingerprints, byte[] sketch, double similarity, string text, Func<MatchKey, string?>? textOf)
    {
        if (MinHashSignature.IsEmpty(sketch))
        {
            return -1;
        }
        var needed = MinHashSignature.AgreementsFor(similarity);
        for (var i = fingerprints.FirstAgreeing(sketch, needed); i >= 0; i = fingerprints.FirstAgreeing(sketch, needed, i + 1))
        {
            if (textOf?.Invoke(fingerprints.Key(i)) is not { } original || !MinHashSignature.AddsWords(text, original))
            {
                return i;
            }
        }
        return -1;
    }

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
