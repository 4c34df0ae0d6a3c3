using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;
using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Grains.Attention;

/// <summary>The limits of a delivery policy; every problem is reported by its field's JSON path.</summary>
public static class DeliveryPolicyValidator
{
    public const int MaxMutes = 100;

    /// <summary>The most interests quiet hours may name as critical: the few that should wake the person, bounded as mutes are.</summary>
    public const int MaxCriticalInterests = 100;

    /// <summary>The longest muted term: a word, so a user's policy stays a few kilobytes.</summary>
    public const int MaxTermLength = 100;

    private static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// Files the tz database installs beside its zones, found by id like any zone file but not IANA time zones: the
    /// host's own zone, the template for POSIX TZ strings, the placeholder zone, and every zone again under posix/
    /// (without leap seconds) and right/ (with them). With invariant globalization .NET has no list of IANA ids and
    /// aliases to check against (GetSystemTimeZones lists zone.tab's, without UTC's Etc/ names nor aliases such as US/Eastern).
    /// </summary>
    private static readonly string[] NotZoneIds = ["localtime", "posixrules", "Factory"];

    private static readonly string[] NotZoneFolders = ["posix", "right"];

    /// <summary>
    /// Whether an id names an IANA time zone (or one of its aliases) this host knows: a zone file found by the id, not
    /// one of the files above, and spelt as the database spells it (a file is also found as "Etc//UTC").
    /// </summary>
    private static bool IsIanaTimeZoneId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || NotZoneIds.Contains(id, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        var parts = id.Split('/');
        return !parts.Contains("") && !NotZoneFolders.Contains(parts[0], StringComparer.OrdinalIgnoreCase) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out _);
    }

    public static IReadOnlyList<InterestError> Validate(DeliveryPolicy policy)
    {
        var errors = new List<InterestError>();
        void Fail(string field, string message) => errors.Add(new InterestError(0, field, message));

        if (policy.Duplicates is null || policy.RateLimit is null || policy.Digest is null || policy.Mutes is null)
        {
            Fail("policy", "duplicates, rateLimit, digest and mutes are required");
            return errors;
        }
        if (policy.Duplicates.DuplicateWindow < TimeSpan.Zero || policy.Duplicates.DuplicateWindow > MaxWindow)
        {
            Fail("duplicates.duplicateWindow", "must be between 00:00:00 and 7.00:00:00");
        }
        if (policy.Duplicates.Similarity is <= 0 or > 1 || double.IsNaN(policy.Duplicates.Similarity))
        {
            Fail("duplicates.similarity", "must be in (0, 1]");
        }
        if (policy.RateLimit.MaxImmediate is < 0 or > 10_000)
        {
            Fail("rateLimit.maxImmediate", "must be between 0 and 10000");
        }
        if (policy.RateLimit.Window <= TimeSpan.Zero || policy.RateLimit.Window > MaxWindow)
        {
            Fail("rateLimit.window", "must be more than 00:00:00 and at most 7.00:00:00");
        }
        // Digests are checked by a reminder ticking once a minute, so a shorter period could not be kept.
        if (policy.Digest.DigestEvery < TimeSpan.FromMinutes(1) || policy.Digest.DigestEvery > MaxWindow)
        {
            Fail("digest.digestEvery", "must be between 00:01:00 and 7.00:00:00");
        }
        if (policy.Digest.DigestSize is < 1 or > 100)
        {
            Fail("digest.digestSize", "must be between 1 and 100");
        }
        if (policy.QuietHours is { } quiet)
        {
            if (!IsIanaTimeZoneId(quiet.TimeZone))
            {
                Fail("quietHours.timeZone", $"'{quiet.TimeZone}' is not an IANA time zone id; send one such as Europe/Berlin, America/New_York, UTC or Etc/GMT+5");
            }
            if (quiet.Start == quiet.End)
            {
                Fail("quietHours.end", "must differ from start");
            }
            // A threshold like an interest's: at 0 or below every match would break through the quiet hours.
            if (!InterestValidator.IsValidThreshold(quiet.CriticalScore))
            {
                Fail("quietHours.criticalScore", InterestValidator.ThresholdRule("criticalScore"));
            }
            // An id is checked as a mute's is, not against the user's interests: a policy may name an interest before
            // it is added (or imported), and removing an interest must not make the stored policy invalid.
            if (quiet.CriticalInterests is { } critical)
            {
                if (critical.Count > MaxCriticalInterests)
                {
                    Fail("quietHours.criticalInterests", $"at most {MaxCriticalInterests} interests");
                }
                for (var i = 0; i < Math.Min(critical.Count, MaxCriticalInterests); i++)
                {
                    if (!Ids.IsValid(critical[i]))
                    {
                        Fail($"quietHours.criticalInterests[{i}]", $"must be an interest id ({Ids.Pattern})");
                    }
                }
            }
        }
        if (policy.Mutes.Count > MaxMutes)
        {
            Fail("mutes", $"at most {MaxMutes} mutes");
        }
        for (var i = 0; i < Math.Min(policy.Mutes.Count, MaxMutes); i++)
        {
            var mute = policy.Mutes[i];
            if (mute is null || (mute.InterestId is null) == (mute.Term is null))
            {
                Fail($"mutes[{i}]", "names either an interestId or a term");
            }
            else if (mute.InterestId is { } interestId && !Ids.IsValid(interestId))
            {
                Fail($"mutes[{i}].interestId", $"must be an interest id ({Ids.Pattern})");
            }
            else if (mute.Term is { } term && (term.Length > MaxTermLength || !LexicalWords.IsOneWord(term)))
            {
                Fail($"mutes[{i}].term", $"must be one word of at most {MaxTermLength} characters");
            }
        }
        return errors;
    }
}
