using StreamAttention.Grains.Options;

namespace StreamAttention.Silo.IO;

/// <summary>The service's interest limits as a command's configuration sets them (section "Interests"), for the offline commands' checks.</summary>
public static class InterestLimits
{
    public static InterestLimitsOptions Of(IConfiguration configuration)
        => configuration.GetValidated<InterestLimitsOptions>(InterestLimitsOptions.SectionName);
}
