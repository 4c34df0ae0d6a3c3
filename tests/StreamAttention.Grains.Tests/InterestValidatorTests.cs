using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>The threshold rule every way an interest enters applies (the HTTP API, the bulk import, the offline commands' files).</summary>
public sealed class InterestValidatorTests
{
    private static readonly InterestValidator Validator = new(Microsoft.Extensions.Options.Options.Create(new InterestLimitsOptions()));

    [Theory]
    // An empty text scores 0 raw and just above 0 calibrated: at 0 or below an interest would match every message.
    [InlineData(0f)]
    [InlineData(-0.5f)]
    [InlineData(-1f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_threshold_outside_0_exclusive_to_1_is_refused_naming_the_field(float threshold)
    {
        var error = Validator.Validate(new InterestInput("db", "postgresql database outage", threshold), 3);

        Assert.Equal((3, "threshold"), (error?.Index, error?.Field));
        Assert.StartsWith("threshold must be in (0, 1]", error!.Message);
    }

    [Theory]
    [InlineData(1e-6f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    public void A_threshold_in_0_exclusive_to_1_is_accepted(float threshold)
        => Assert.Null(Validator.Validate(new InterestInput("db", "postgresql database outage", threshold), 0));
}
