using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>Limits on what users may store and send (section "Interests").</summary>
public sealed class InterestLimitsOptions
{
    public const string SectionName = "Interests";

    [Range(1, 100_000)]
    public int MaxInterestsPerUser { get; set; } = 1_000;

    /// <summary>Characters of an interest's text.</summary>
    [Range(1, 100_000)]
    public int MaxTextLength { get; set; } = 1_000;

    /// <summary>Recent matches kept in memory per user.</summary>
    [Range(1, 100_000)]
    public int MatchHistorySize { get; set; } = 100;
}
