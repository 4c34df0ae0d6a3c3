using Orleans.Storage;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Tenants;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// Records in the binary format must keep loading as the stored records' types change how they are written: the
/// user state and the attention log entry as main at c7f957d wrote them (<c>StoredStates/*.bin</c>, Orleans' reference
/// tracking for every object: a string, array, match or digest written again is a reference to its first copy), and as
/// this build writes them. Both records share objects as the grain's do: the text and interest id of a message's
/// matches, a highlights array of twin interests, the empty highlights array, a match's id in its fingerprint, one
/// digest in the outbox and the recent digests; and hold more than 64 objects, past which Orleans tracks them in a
/// dictionary instead of an array.
/// </summary>
public sealed class StoredBinaryRecordsTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private IGrainStorageSerializer Storage => StoredRecords.UsersStorage(fixture.Services);

    /// <summary>Every field and type name of a record: equal only if every value is.</summary>
    private string Json<T>(T value) => StoredRecords.PreviousJson(fixture.Services).Serialize(value).ToString();

    [Fact]
    public void A_user_state_written_with_reference_tracking_loads_whole()
    {
        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state.bin"))!;

        Assert.Equal(Json(UserState()), Json(loaded));
        Assert.Same(loaded.Attention.Outbox[0], loaded.Attention.RecentDigests[^1]);
        Assert.Empty(loaded.Expansions);
    }

    /// <summary>
    /// A state with its interests' expansions, as the build that added them wrote it, their vectors float
    /// (<c>StoredStates/user-state-with-expansions.bin</c>).
    /// </summary>
    [Fact]
    public void A_user_state_written_with_expansions_loads_whole()
    {
        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-with-expansions.bin"))!;

        Assert.Equal(Json(WithFloatExpansions(UserState())), Json(loaded));
        Assert.Equal(["replica", "failover"], loaded.Expansions["db"].Words);
        Assert.Equal([0.6f, 0.8f, 0f], loaded.Expansions["db"].FloatPooled!);
        Assert.Same(loaded.Expansions["db"].FloatPooled, loaded.Expansions["db-twin"].FloatPooled);
        Assert.All(loaded.Expansions.Values, e => Assert.Null(e.Pooled));
    }

    /// <summary>
    /// A state with its interests' expansions, their vectors in fixed point, as this format was first written
    /// (<c>StoredStates/user-state-with-fixed-point-expansions.bin</c>).
    /// </summary>
    [Fact]
    public void A_user_state_written_with_fixed_point_expansion_vectors_loads_whole()
    {
        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-with-fixed-point-expansions.bin"))!;

        Assert.Equal(Json(WithExpansions(UserState())), Json(loaded));
        Assert.Equal(WithExpansions(UserState()).Expansions["db"].Pooled, loaded.Expansions["db"].Pooled);
        Assert.Equal(["replica", "failover"], loaded.Expansions["db"].Words);
    }

    /// <summary>
    /// A state first stored in JSON (<c>StoredStates/user-state.json</c>): the JSON refers to a highlight that two
    /// matches' arrays share, so the state read from it shares that object and its binary record refers to it.
    /// </summary>
    [Fact]
    public void A_user_state_read_from_json_and_written_with_reference_tracking_loads_whole()
    {
        var fromJson = Storage.Deserialize<UserInterestsState>(StoredRecords.Text("user-state.json"))!;

        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-from-json.bin"))!;

        Assert.Equal(Json(fromJson), Json(loaded));
    }

    [Fact]
    public void An_attention_log_entry_written_with_reference_tracking_loads_whole()
    {
        var loaded = Storage.Deserialize<AttentionEntry>(StoredRecords.Bytes("attention-log-entry.bin"))!;

        Assert.Equal(Json(LogEntry()), Json(loaded));
    }

    /// <summary>
    /// The same records with fingerprints that held the whole signature, their sketches now: as the build before packed
    /// signatures wrote them (main at 257592b, <c>*-signatures-as-numbers.bin</c>: fingerprints without reference tracking,
    /// each signature an array of numbers, the six fingerprints of one text sharing one array, the first written whole,
    /// the others as references to it), and as the build before sketches wrote them (main at 2dc4dd2,
    /// <c>*-signatures-packed.bin</c>: each signature as its 256 bytes).
    /// </summary>
    [Theory]
    [InlineData("signatures-as-numbers")]
    [InlineData("signatures-packed")]
    public void Records_with_whole_signatures_load_whole(string written)
    {
        var state = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes($"user-state-{written}.bin"))!;
        var entry = Storage.Deserialize<AttentionEntry>(StoredRecords.Bytes($"attention-log-entry-{written}.bin"))!;

        Assert.Equal(Json(UserState()), Json(state));
        Assert.Same(state.Attention.Outbox[0], state.Attention.RecentDigests[^1]);
        Assert.Equal(Json(LogEntry()), Json(entry));
    }

    [Fact]
    public void A_user_state_written_now_reads_back_whole()
    {
        var state = WithExpansions(UserState());

        var loaded = Storage.Deserialize<UserInterestsState>(Storage.Serialize(state))!;

        Assert.Equal(Json(state), Json(loaded));
        Assert.Equal(state.Expansions["db"].Pooled, loaded.Expansions["db"].Pooled);
        Assert.Same(loaded.Attention.Outbox[0], loaded.Attention.RecentDigests[^1]);
    }

    /// <summary>
    /// A user's expansions record, as this format was first written (<c>StoredStates/user-expansions.bin</c>): twin
    /// texts' expansions share their vector, as a process's do.
    /// </summary>
    /// <summary>A shard membership as builds before removals were kept wrote it (<c>StoredStates/shard-membership-users-only.bin</c>).</summary>
    [Fact]
    public void A_shard_membership_written_before_removals_were_kept_loads_with_none()
    {
        var loaded = Storage.Deserialize<ShardMembershipState>(StoredRecords.Bytes("shard-membership-users-only.bin"))!;

        Assert.Equal(["acme/alice", "bob"], loaded.Users.Order(StringComparer.Ordinal));
        Assert.Empty(loaded.Removed);
    }

    /// <summary>
    /// A tenant's counts as builds before cluster contract 13 wrote them (<c>StoredStates/tenant-usage-before-stored-users-counted.bin</c>):
    /// its users stored before it counted them are not counted yet, which the grain of the users without a tenant reads to count them.
    /// </summary>
    [Fact]
    public void A_tenants_counts_written_before_stored_users_were_counted_load_as_not_counted()
    {
        var loaded = Storage.Deserialize<TenantUsageState>(StoredRecords.Bytes("tenant-usage-before-stored-users-counted.bin"))!;

        Assert.Equal(new Dictionary<string, int> { ["acme/alice"] = 2, ["acme/bob"] = 1 }, loaded.InterestsByUser);
        Assert.False(loaded.StoredUsersCounted);
    }

    [Fact]
    public void A_user_expansions_record_loads_whole()
    {
        var loaded = Storage.Deserialize<UserExpansions>(StoredRecords.Bytes("user-expansions.bin"))!;

        Assert.Equal(Json(Expansions()), Json(loaded));
        Assert.Equal(Expansions().ByText["database replication"].Pooled, loaded.ByText["database replication"].Pooled);
        Assert.Equal(["replica", "failover"], loaded.ByText["database replication"].Words);
    }

    [Fact]
    public void A_user_expansions_record_written_now_reads_back_whole()
    {
        var expansions = Expansions();

        var loaded = Storage.Deserialize<UserExpansions>(Storage.Serialize(expansions))!;

        Assert.Equal(Json(expansions), Json(loaded));
        Assert.Equal(expansions.ByText["replication lag"].Pooled, loaded.ByText["replication lag"].Pooled);
    }

    [Fact]
    public void An_attention_log_entry_written_now_reads_back_whole()
    {
        var entry = LogEntry();

        var loaded = Storage.Deserialize<AttentionEntry>(Storage.Serialize(entry))!;

        Assert.Equal(Json(entry), Json(loaded));
    }

    /// <summary>A state as a user grain holds it: interests, a policy, notification times, fingerprints, pending matches, digests and feedback.</summary>
    internal static UserInterestsState UserState()
    {
        var state = new UserInterestsState { Version = 9, Policy = DeliveryPolicy.Default with { Mutes = new[] { new MuteRule(null, "staging", At.AddDays(1)) } } };
        state.Interests["db"] = new StoredInterest("db", "database replication", 0.55f, At.AddDays(-1), At, new[] { "postgres" }, new[] { "staging" });
        state.Interests["db-twin"] = new StoredInterest("db-twin", "database replication", null, At.AddDays(-1), At);
        var attention = state.Attention;
        attention.ImmediateTimes.AddRange([At.AddMinutes(-5), At.AddMinutes(-4)]);
        var earlier = Matches(At.AddHours(-2), "Postgres replica lag on db-3", 3, "m-old", DeliveryKinds.Deferred);
        var digest = new Digest("u/2", "u", At.AddHours(-1), DigestReasons.Schedule, earlier.Length,
            new[] { new DigestGroup("db", earlier[..2], 0), new DigestGroup("db-twin", earlier[2..], 1) });
        attention.RecentDigests.AddRange([new Digest("u/1", "u", At.AddHours(-3), DigestReasons.QuietHoursEnd, 0, []), digest]);
        attention.Outbox.Add(digest);
        attention.DigestSequence = 2;
        foreach (var match in Matches(At, "Postgres replica lag on db-5", 6, "m-new", DeliveryKinds.Deferred))
        {
            attention.AddFingerprint(new Fingerprint(match.MatchId, match.At, MinHashSignature.SketchOf(match.Text)));
            attention.Pending.Add(match);
        }
        attention.NextDigestAt = At.AddHours(1);
        attention.LogStart = 4;
        attention.Feedback["db"] = new FeedbackState { Offset = 0.05f, Relevant = 1, NotRelevant = 2, NotLikeThis = [[0.25f, -0.5f]] };
        return state;
    }

    /// <summary>The state with its interests' expansions: twin interests' expansions share their vector, as a process's do.</summary>
    private static UserInterestsState WithExpansions(UserInterestsState state)
    {
        state.Expansions["db"] = new StoredExpansion(0x5eed_2026_1201, null, ["replica", "failover"], [0.71f, 0.52f], [19660, 26214, 0]);
        state.Expansions["db-twin"] = state.Expansions["db"] with { Key = 0x5eed_2026_1201 };
        return state;
    }

    /// <summary>Two texts' expansions by text, sharing their vector (words and cosines differ).</summary>
    private static UserExpansions Expansions()
    {
        var expansions = new UserExpansions();
        expansions.ByText["database replication"] = new StoredExpansion(0x5eed_2026_1201, null, ["replica", "failover"], [0.71f, 0.52f], [19660, 26214, 0]);
        expansions.ByText["replication lag"] = expansions.ByText["database replication"] with { Words = ["lag"], Similarities = [0.6f] };
        return expansions;
    }

    /// <summary>The state with its interests' expansions as they were stored before their vectors were fixed point.</summary>
    private static UserInterestsState WithFloatExpansions(UserInterestsState state)
    {
        state.Expansions["db"] = new StoredExpansion(0x5eed_2026_1201, [0.6f, 0.8f, 0f], ["replica", "failover"], [0.71f, 0.52f], null);
        state.Expansions["db-twin"] = state.Expansions["db"] with { Key = 0x5eed_2026_1201 };
        return state;
    }

    /// <summary>What one deferring decision appends: its notification time, fingerprints and pending matches.</summary>
    private static AttentionEntry LogEntry()
    {
        var entry = new AttentionEntry { ImmediateTimes = [At], NextDigestAt = At.AddHours(1) };
        foreach (var match in Matches(At.AddMinutes(1), "Postgres replica lag on db-7, failover pending", 8, "m-log", DeliveryKinds.QuietHours))
        {
            entry.Fingerprints.Add(new Fingerprint(match.MatchId, match.At, MinHashSignature.SketchOf(match.Text)));
            entry.Pending.Add(match);
        }
        return entry;
    }

    /// <summary>
    /// One message's matches as the gateway forms them: one text and time, twin interests sharing a highlights array,
    /// every third match without highlights (the shared empty array), a duplicate referring to the first.
    /// </summary>
    private static UserMatch[] Matches(DateTimeOffset at, string text, int count, string idPrefix, string delivery)
    {
        var highlights = new Highlight[] { new("postgres", 0.4f), new("replica", 0.3f), new("lag", 0.2f), new("db", 0.05f), new("on", 0.05f) };
        var matches = new UserMatch[count];
        for (var i = 0; i < count; i++)
        {
            var interest = i % 2 == 0 ? "db" : "db-twin";
            matches[i] = new UserMatch(at, interest, text, 0.9f - (i * 0.01f), i % 3 == 2 ? Array.Empty<Highlight>() : highlights, $"{idPrefix}-{i}", delivery,
                DuplicateOf: i == count - 1 ? matches[0].MatchId : null, Truncated: i == 1, RawScore: i % 2 == 0 ? 0.7f : null);
        }
        return matches;
    }
}
