using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

public sealed class DeliveryPolicyValidatorTests
{
    [Fact]
    public void The_default_policy_is_valid()
        => Assert.Empty(DeliveryPolicyValidator.Validate(DeliveryPolicy.Default));

    [Fact]
    public void Every_invalid_field_is_reported_by_its_path()
    {
        var policy = new DeliveryPolicy(
            new DuplicatePolicy(true, TimeSpan.FromDays(8), 0),
            new RateLimitPolicy(-1, TimeSpan.Zero),
            new DigestPolicy(TimeSpan.FromSeconds(10), 0),
            new QuietHoursPolicy("Mars/Olympus_Mons", new TimeOnly(22, 0), new TimeOnly(22, 0), 2, ["db", "../x y", ""]),
            [new MuteRule("a", "b", DateTimeOffset.MaxValue), new MuteRule(null, "two words", DateTimeOffset.MaxValue),
                new MuteRule(null, new string('w', DeliveryPolicyValidator.MaxTermLength + 1), DateTimeOffset.MaxValue), new MuteRule("../x y", null, DateTimeOffset.MaxValue),
                new MuteRule(null, new string('w', DeliveryPolicyValidator.MaxTermLength), DateTimeOffset.MaxValue)]);
        Assert.Equal(
            ["digest.digestEvery", "digest.digestSize", "duplicates.duplicateWindow", "duplicates.similarity", "mutes[0]", "mutes[1].term", "mutes[2].term", "mutes[3].interestId",
                "quietHours.criticalInterests[1]", "quietHours.criticalInterests[2]", "quietHours.criticalScore", "quietHours.end", "quietHours.timeZone", "rateLimit.maxImmediate", "rateLimit.window"],
            DeliveryPolicyValidator.Validate(policy).Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\u691C\u8A3C", true)]
    [InlineData("re\u0301plication", true)]
    [InlineData("\uFF24\uFF22\uFF17", true)]
    [InlineData("\u691C\u8A3C \u74B0\u5883", false)]
    [InlineData("db-7", false)]
    public void A_muted_term_is_one_word_as_written_in_any_script(string term, bool valid)
        => Assert.Equal(valid, DeliveryPolicyValidator.Validate(DeliveryPolicy.Default with { Mutes = [new MuteRule(null, term, DateTimeOffset.MaxValue)] }).Count == 0);

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.5f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_critical_score_is_refused_where_an_interests_threshold_would_be(float criticalScore)
    {
        var policy = DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Etc/UTC", new TimeOnly(22, 0), new TimeOnly(7, 0), criticalScore) };

        var error = Assert.Single(DeliveryPolicyValidator.Validate(policy));
        Assert.Equal("quietHours.criticalScore", error.Field);
        Assert.StartsWith("criticalScore must be in (0, 1]", error.Message);
    }

    /// <summary>
    /// Critical interests are checked as a mute's interest is, by id and not against the user's interests (an id the
    /// user has no interest of yet is taken: it may be added later), and at most
    /// <see cref="DeliveryPolicyValidator.MaxCriticalInterests"/> of them.
    /// </summary>
    [Fact]
    public void Critical_interests_are_interest_ids_and_bounded_in_number()
    {
        static DeliveryPolicy Naming(params string[] ids)
            => DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy("Etc/UTC", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f, ids) };
        var allowed = Enumerable.Range(0, DeliveryPolicyValidator.MaxCriticalInterests).Select(i => $"interest-{i}").ToArray();

        Assert.Empty(DeliveryPolicyValidator.Validate(Naming()));
        Assert.Empty(DeliveryPolicyValidator.Validate(Naming("not-added-yet", new string('a', 128))));
        Assert.Empty(DeliveryPolicyValidator.Validate(Naming(allowed)));
        Assert.Equal(["quietHours.criticalInterests"], DeliveryPolicyValidator.Validate(Naming([.. allowed, "one-more"])).Select(e => e.Field));
        Assert.Equal(["quietHours.criticalInterests[0]", "quietHours.criticalInterests[1]", "quietHours.criticalInterests[2]"],
            DeliveryPolicyValidator.Validate(Naming(new string('a', 129), "..", null!)).Select(e => e.Field));
    }

    /// <summary>
    /// Every TZif file under zoneinfo is found by id, so the host's own zone (localtime), the POSIX rules template, the
    /// placeholder zone and the copies under posix/ and right/ were accepted as if they were IANA time zones.
    /// </summary>
    [Theory]
    [InlineData("localtime")]
    [InlineData("posixrules")]
    [InlineData("Factory")]
    [InlineData("right/UTC")]
    [InlineData("posix/Europe/Berlin")]
    [InlineData("right//UTC")]
    [InlineData("Etc//UTC")]
    [InlineData("Nowhere/Special")]
    [InlineData("../../etc/passwd")]
    [InlineData("zone.tab")]
    public void A_quiet_hours_time_zone_that_is_not_an_iana_id_is_refused_saying_what_one_looks_like(string timeZone)
    {
        var error = Assert.Single(DeliveryPolicyValidator.Validate(QuietIn(timeZone)));

        Assert.Equal(("quietHours.timeZone", $"'{timeZone}' is not an IANA time zone id; send one such as Europe/Berlin, America/New_York, UTC or Etc/GMT+5"),
            (error.Field, error.Message));
    }

    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    [InlineData("Etc/GMT+5")]
    [InlineData("GMT")]
    [InlineData("US/Eastern")]
    [InlineData("Asia/Calcutta")]
    public void A_quiet_hours_time_zone_named_by_an_iana_id_or_alias_is_accepted(string timeZone)
        => Assert.Empty(DeliveryPolicyValidator.Validate(QuietIn(timeZone)));

    private static DeliveryPolicy QuietIn(string timeZone)
        => DeliveryPolicy.Default with { QuietHours = new QuietHoursPolicy(timeZone, new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f) };
}
