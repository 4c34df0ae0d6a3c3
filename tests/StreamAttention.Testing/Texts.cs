namespace StreamAttention.Testing;

/// <summary>Interests and messages whose GloVe scores are far on either side of the thresholds used.</summary>
public static class Texts
{
    public const string DatabaseInterest = "postgresql database performance tuning";
    public const string DatabaseMessage = "slow postgresql queries after the database upgrade";
    public const string RacingInterest = "formula one racing";
    public const float RacingThreshold = 0.5f;
    public const string RacingMessage = "hamilton wins the grand prix race";
    public const string Unrelated = "recipe for a chocolate cake with strawberries";
}
