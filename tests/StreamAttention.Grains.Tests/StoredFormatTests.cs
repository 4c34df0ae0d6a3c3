using System.Collections;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;
using Orleans.Serialization.TypeSystem;
using Orleans.Storage;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Cluster;
using StreamAttention.Grains.Live;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Tenants;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// Every record the grains store, as this build writes it (<c>StoredStates/current/*.bin</c>), read by the current code
/// and compared field by field with the sample it was written from; each sample sets every stored field. A renumbered
/// <c>[Id]</c>, a record's parameter inserted before others (records number theirs in order), a field's type changed, or
/// a stored type renamed without its <c>[Alias]</c> leaves a field unread or the record unreadable here, as it would
/// every record in Redis after an upgrade. The records are bytes of a released format: write them again only with a
/// format change that is intended and that records of the old format still read through (keep the old file and test it
/// as <see cref="StoredBinaryRecordsTests"/> does), by running these tests with
/// <c>STREAMATTENTION_WRITE_STORED_RECORDS=&lt;this project's StoredStates/current folder&gt;</c>.
/// </summary>
public sealed class StoredFormatTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The stored types' names in the binary format: a type renamed or moved keeps its alias, so its records read.</summary>
    private static readonly Dictionary<Type, string> StoredAliases = new()
    {
        [typeof(UserInterestsState)] = "StreamAttention.UserInterestsState",
        [typeof(AttentionState)] = "StreamAttention.AttentionState",
        [typeof(AttentionEntry)] = "StreamAttention.AttentionEntry",
        [typeof(Fingerprint)] = "StreamAttention.Fingerprint",
        [typeof(FeedbackState)] = "StreamAttention.FeedbackState",
        [typeof(UserExpansions)] = "StreamAttention.UserExpansions",
        [typeof(StoredExpansion)] = "StreamAttention.StoredExpansion",
        [typeof(StoredInterest)] = "StreamAttention.StoredInterest",
        [typeof(DeliveryPolicy)] = "StreamAttention.DeliveryPolicy",
        [typeof(DuplicatePolicy)] = "StreamAttention.DuplicatePolicy",
        [typeof(RateLimitPolicy)] = "StreamAttention.RateLimitPolicy",
        [typeof(DigestPolicy)] = "StreamAttention.DigestPolicy",
        [typeof(QuietHoursPolicy)] = "StreamAttention.QuietHoursPolicy",
        [typeof(MuteRule)] = "StreamAttention.MuteRule",
        [typeof(UserMatch)] = "StreamAttention.UserMatch",
        [typeof(Highlight)] = "StreamAttention.Highlight",
        [typeof(Digest)] = "StreamAttention.Digest",
        [typeof(DigestGroup)] = "StreamAttention.DigestGroup",
        [typeof(DigestRepeat)] = "StreamAttention.DigestRepeat",
        [typeof(ShardMembershipState)] = "StreamAttention.ShardMembershipState",
        [typeof(ShardRemoval)] = "StreamAttention.ShardRemoval",
        [typeof(ClusterModelState)] = "StreamAttention.ClusterModelState",
        [typeof(TenantUsageState)] = "StreamAttention.TenantUsageState",
        [typeof(TenantUsersState)] = "StreamAttention.TenantUsersState",
        [typeof(MatchFeedState)] = "StreamAttention.MatchFeedState",
        [typeof(UserErasure)] = "StreamAttention.UserErasure",
    };

    /// <summary>The grain types, part of every stored record's key (<c>…/state/user/acme/bob/user</c>) and of the reminders.</summary>
    private static readonly Dictionary<Type, string> GrainTypes = new()
    {
        [typeof(UserGrain)] = "user",
        [typeof(ScoringShardGrain)] = "scoringshard",
        [typeof(TenantGrain)] = "tenant",
        [typeof(ClusterModelGrain)] = "clustermodel",
        [typeof(ScoringGatewayGrain)] = "scoringgateway",
        [typeof(SiloScoringGrain)] = "siloscoring",
        [typeof(MatchFeedGrain)] = "matchfeed",
        [typeof(ClusterProbeGrain)] = "clusterprobe",
    };

    private static readonly StoredSample[] Samples =
    [
        new StoredSample<UserInterestsState>("user-state", () => UserState()),
        new StoredSample<AttentionEntry>("attention-log-entry", () => LogEntry()),
        new StoredSample<UserExpansions>("user-expansions", Expansions),
        new StoredSample<ShardMembershipState>("shard-membership", () => new ShardMembershipState
        {
            Users = ["acme/alice", "bob"],
            Removed = { ["acme/carol"] = new ShardRemoval(7, At) },
        }),
        new StoredSample<ClusterModelState>("cluster-model", () => new ClusterModelState { ModelBySilo = { ["S127.0.0.1:11111:1"] = "distilled-minilm (256 dimensions)" } }),
        new StoredSample<TenantUsageState>("tenant-usage", () => new TenantUsageState { InterestsByUser = { ["acme/alice"] = 2, ["acme/bob"] = 1 }, StoredUsersCounted = true }),
        new StoredSample<TenantUsersState>("tenant-users", () => new TenantUsersState { InterestsByUser = { ["acme/alice"] = 2, ["acme/bob"] = 0 } }),
        new StoredSample<MatchFeedState>("feed-erasures", () => new MatchFeedState { Erasures = [new UserErasure("acme/alice", At), new UserErasure("bob", At.AddMinutes(1))] }),
    ];

    public static TheoryData<string> Records => [.. Samples.Select(s => s.Name)];

    private IGrainStorageSerializer Storage => StoredRecords.UsersStorage(fixture.Services);

    [Theory]
    [MemberData(nameof(Records))]
    public void A_record_of_the_current_format_loads_with_every_field(string name)
    {
        var sample = Samples.Single(s => s.Name == name);
        var path = StoredRecords.PathOf($"current/{name}.bin");
        if (Environment.GetEnvironmentVariable("STREAMATTENTION_WRITE_STORED_RECORDS") is { Length: > 0 } folder)
        {
            File.WriteAllBytes(Path.Combine(folder, $"{name}.bin"), sample.Write(Storage).ToArray());
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(Path.Combine(folder, $"{name}.bin"), path, overwrite: true);
        }

        var loaded = sample.Read(Storage, StoredRecords.Bytes($"current/{name}.bin"));

        Assert.Equal(Json(sample.Create()), Json(loaded));
    }

    /// <summary>
    /// A user state as the build before quiet hours named critical interests wrote it (main at a384110,
    /// <c>StoredStates/user-state-before-critical-interests.bin</c>): its quiet hours read with none named, so every
    /// interest's critical matches break them, as they did.
    /// </summary>
    [Fact]
    public void A_user_state_stored_before_critical_interests_loads_with_every_interest_critical()
    {
        var expected = WithoutRepeats(UserState(withMessageIds: false));
        expected.Policy = expected.Policy! with { QuietHours = expected.Policy.QuietHours! with { CriticalInterests = null } };

        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-before-critical-interests.bin"))!;

        Assert.Equal(Json(expected), Json(loaded));
        Assert.Null(loaded.Policy!.QuietHours!.CriticalInterests);
    }

    /// <summary>
    /// A user state and an attention log entry as the build before history entries kept their message's id and suppressed
    /// duplicates were counted wrote them (main at 8809113, <c>StoredStates/user-state-before-message-ids-and-repeats.bin</c>,
    /// <c>attention-log-entry-before-message-ids-and-repeats.bin</c>): their matches read whole without a message id, with
    /// no repeat counted, and their digests with none listed.
    /// </summary>
    [Fact]
    public void Records_stored_before_message_ids_and_repeats_load_whole_without_them()
    {
        var expected = WithoutRepeats(UserState(withMessageIds: false));
        var expectedEntry = LogEntry(withMessageIds: false);
        expectedEntry.Repeats.Clear();

        var state = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-before-message-ids-and-repeats.bin"))!;
        var entry = Storage.Deserialize<AttentionEntry>(StoredRecords.Bytes("attention-log-entry-before-message-ids-and-repeats.bin"))!;

        Assert.Equal(Json(expected), Json(state));
        Assert.Equal(Json(expectedEntry), Json(entry));
        Assert.All(state.Attention.Pending.Concat(entry.Pending), match => Assert.Null(match.MessageId));
        Assert.Null(state.Attention.RecentDigests[^1].Repeats);
    }

    /// <summary>
    /// A user state as the build before users had an incarnation wrote it (main at 6e58589,
    /// <c>StoredStates/user-state-before-incarnation.bin</c>): it loads whole with none (<see cref="Guid.Empty"/>), which
    /// the user's next write makes (<c>UserIncarnationTests</c>), not its load: one made at each activation would change
    /// with the next one, while the rows its shard holds, and the dead letters of their matches, carried it.
    /// </summary>
    [Fact]
    public void A_user_state_stored_before_incarnations_loads_whole_without_one()
    {
        var expected = WithoutMoreRepeats(UserState());
        expected.Incarnation = Guid.Empty;

        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-before-incarnation.bin"))!;

        Assert.Equal(Json(expected), Json(loaded));
        Assert.Equal(Guid.Empty, loaded.Incarnation);
    }

    /// <summary>
    /// A user state as the build before digests counted the repeats they do not list wrote it (main at 39c4d9f,
    /// <c>StoredStates/user-state-before-more-repeats.bin</c>): it loads whole, with none forgotten and every digest's
    /// <see cref="Digest.MoreRepeats"/> 0, as the field's default.
    /// </summary>
    [Fact]
    public void A_user_state_stored_before_more_repeats_loads_whole_with_none_counted()
    {
        var expected = WithoutMoreRepeats(UserState());

        var loaded = Storage.Deserialize<UserInterestsState>(StoredRecords.Bytes("user-state-before-more-repeats.bin"))!;

        Assert.Equal(Json(expected), Json(loaded));
        Assert.Equal(0, loaded.Attention.ForgottenRepeats);
        Assert.All(loaded.Attention.RecentDigests, d => Assert.Equal(0, d.MoreRepeats));
    }

    /// <summary><paramref name="state"/> as a build before repeats were counted (and before incarnations) stored it.</summary>
    private static UserInterestsState WithoutRepeats(UserInterestsState state)
    {
        state.Incarnation = Guid.Empty;
        var attention = WithoutMoreRepeats(state).Attention;
        attention.Repeats.Clear();
        attention.RecentDigests = [.. attention.RecentDigests.Select(d => d with { Repeats = null })];
        // The outbox's digest is the newest of the recent ones, one object stored once.
        attention.Outbox = [attention.RecentDigests[^1]];
        return state;
    }

    /// <summary><paramref name="state"/> as a build before digests counted the repeats they do not list stored it.</summary>
    private static UserInterestsState WithoutMoreRepeats(UserInterestsState state)
    {
        var attention = state.Attention;
        attention.ForgottenRepeats = 0;
        attention.RecentDigests = [.. attention.RecentDigests.Select(d => d with { MoreRepeats = 0 })];
        attention.Outbox = [attention.RecentDigests[^1]];
        return state;
    }

    /// <summary>The samples hold a value other than the default in every stored field, so a field that no longer reads fails the test above.</summary>
    [Fact]
    public void The_samples_set_every_stored_field_of_every_stored_type()
    {
        var set = new HashSet<string>();
        var types = new HashSet<Type>();
        foreach (var sample in Samples)
        {
            Visit(sample.Create(), types, set);
        }

        var unset = types.SelectMany(type => StoredProperties(type).Select(p => $"{type.Name}.{p.Name}")).Where(field => !set.Contains(field)).Order().ToArray();

        Assert.Empty(unset);
        Assert.Equal(StoredAliases.Keys.Select(t => t.Name).Order(), types.Select(t => t.Name).Order());
    }

    [Fact]
    public void The_stored_types_keep_their_names_in_the_binary_format()
    {
        var types = fixture.Services.GetRequiredService<TypeConverter>();

        var names = StoredAliases.Keys.ToDictionary(type => type, type => types.Format(type));

        Assert.Equal(StoredAliases, names);
    }

    [Fact]
    public void The_grains_keep_their_grain_types()
    {
        var resolver = fixture.Services.GetRequiredService<GrainTypeResolver>();
        var grains = typeof(UserGrain).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.IsAssignableTo(typeof(Grain))).ToArray();

        var types = grains.ToDictionary(type => type, type => resolver.GetGrainType(type).ToString());

        Assert.Equal(GrainTypes.OrderBy(g => g.Value), types.OrderBy(g => g.Value));
    }

    /// <summary>
    /// Every serialized type and grain interface has an alias, and every grain method: without one, Orleans names it by
    /// its CLR name, and renaming it breaks stored records and calls between silos of two builds.
    /// </summary>
    [Fact]
    public void Every_serialized_type_grain_interface_and_grain_method_has_an_alias()
    {
        var types = new[] { typeof(IUserGrain).Assembly, typeof(UserGrain).Assembly }.SelectMany(a => a.GetTypes()).ToArray();

        var without = types.Where(t => t.IsDefined(typeof(GenerateSerializerAttribute)) || t.IsInterface && t.IsAssignableTo(typeof(IAddressable)))
            .Where(t => !t.IsDefined(typeof(AliasAttribute)))
            .Select(t => t.FullName)
            .Concat(types.Where(t => t.IsInterface && t.IsAssignableTo(typeof(IAddressable)))
                .SelectMany(t => t.GetMethods().Where(m => !m.IsDefined(typeof(AliasAttribute))).Select(m => $"{t.FullName}.{m.Name}")))
            .ToArray();

        Assert.Empty(without);
    }

    /// <summary>Every field and type name of a record: equal only if every value is.</summary>
    private string Json(object value) => StoredRecords.PreviousJson(fixture.Services).Serialize(value).ToString();

    /// <summary>
    /// Records in <paramref name="set"/> each stored field (<c>Type.Property</c>) that some object of <paramref name="value"/>'s
    /// graph holds a value other than the default in, and in <paramref name="types"/> each stored type it holds.
    /// </summary>
    private static void Visit(object? value, HashSet<Type> types, HashSet<string> set)
    {
        switch (value)
        {
            case null or string or IConvertible or DateTimeOffset or TimeSpan or TimeOnly or Guid:
                return;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    Visit(entry.Value, types, set);
                }
                return;
            case IEnumerable items:
                foreach (var item in items)
                {
                    Visit(item, types, set);
                }
                return;
        }
        var type = value.GetType();
        types.Add(type);
        foreach (var property in StoredProperties(type))
        {
            var member = property.GetValue(value);
            if (!IsDefault(member))
            {
                set.Add($"{type.Name}.{property.Name}");
            }
            Visit(member, types, set);
        }
    }

    /// <summary>What Orleans stores of a type: its <c>[Id]</c> properties and a record's (or a hand-written codec's) constructor parameters.</summary>
    private static IEnumerable<PropertyInfo> StoredProperties(Type type)
    {
        var parameters = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return type.GetProperties().Where(p => p.IsDefined(typeof(IdAttribute)) || parameters.Contains(p.Name));
    }

    private static bool IsDefault(object? value) => value switch
    {
        null => true,
        ICollection collection => collection.Count == 0,
        _ when value.GetType().IsValueType => value.Equals(Activator.CreateInstance(value.GetType())),
        _ => false,
    };

    /// <summary>A user's state with every stored field set: interests, policy, attention state, feedback and the expansions of states stored before their own record.</summary>
    private static UserInterestsState UserState(bool withMessageIds = true)
    {
        var until = At.AddDays(30);
        var state = new UserInterestsState
        {
            Version = 12,
            Incarnation = new Guid("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
            Policy = new DeliveryPolicy(new DuplicatePolicy(true, TimeSpan.FromHours(2), 0.7), new RateLimitPolicy(3, TimeSpan.FromMinutes(30)),
                new DigestPolicy(TimeSpan.FromHours(2), 5), new QuietHoursPolicy("Europe/Berlin", new TimeOnly(22, 0), new TimeOnly(7, 0), 0.9f, new[] { "db" }),
                new[] { new MuteRule("net", null, until), new MuteRule(null, "staging", until) }),
        };
        state.Interests["db"] = new StoredInterest("db", "database replication", 0.55f, At.AddDays(-1), At, new[] { "postgres" }, new[] { "staging" });
        state.Interests["net"] = new StoredInterest("net", "packet loss between data centers", null, At.AddDays(-2), At.AddDays(-2));
        var attention = state.Attention;
        attention.ImmediateTimes.AddRange([At.AddMinutes(-5), At.AddMinutes(-4)]);
        var listed = Matches(At.AddHours(-2), "Postgres replica lag on db-3", 3, "m-old", DeliveryKinds.Deferred, withMessageIds);
        var digest = new Digest("acme/alice/2", "acme/alice", At.AddHours(-1), DigestReasons.Schedule, 7,
            new[] { new DigestGroup("db", listed[..2], 3), new DigestGroup("net", listed[2..], 1) },
            new[] { new DigestRepeat("m-old-0", "db", 41, At.AddHours(-1.5), 0.81f, 0.93f, "Postgres replica lag on db-4") }, 17);
        attention.RecentDigests.AddRange([new Digest("acme/alice/1", "acme/alice", At.AddHours(-3), DigestReasons.QuietHoursEnd, 0, Array.Empty<DigestGroup>()), digest]);
        attention.Outbox.Add(digest);
        attention.DigestSequence = 2;
        foreach (var match in Matches(At, "Postgres replica lag on db-5", 4, "m-new", DeliveryKinds.QuietHours, withMessageIds))
        {
            attention.AddFingerprint(new Fingerprint(match.MatchId, match.At, MinHashSignature.SketchOf(match.Text)));
            attention.Pending.Add(match);
        }
        attention.NextDigestAt = At.AddHours(1);
        attention.Unlisted["db"] = 4;
        attention.UnlistedQuietHours = true;
        attention.LogOldest = 3;
        attention.LogStart = 5;
        attention.Repeats["m-new-0"] = new DigestRepeat("m-new-0", "db", 12, At.AddMinutes(20), 0.77f, 0.88f, "Postgres replica lag on db-6");
        attention.ForgottenRepeats = 9;
        attention.Feedback["db"] = new FeedbackState { Offset = 0.05f, Relevant = 1, NotRelevant = 2, NotLikeThis = [[0.25f, -0.5f]] };
        state.Expansions["db"] = new StoredExpansion(0x5eed_2026_1205, [0.6f, 0.8f], ["replica", "failover"], [0.71f, 0.52f], [19660, 26214]);
        return state;
    }

    /// <summary>One attention log entry with every field set.</summary>
    private static AttentionEntry LogEntry(bool withMessageIds = true)
    {
        var entry = new AttentionEntry
        {
            ImmediateTimes = [At],
            NextDigestAt = At.AddHours(1),
            Unlisted = { ["db"] = 2 },
            UnlistedQuietHours = true,
            Evicted = ["m-log-9"],
            Repeats = { ["m-log-0"] = new DigestRepeat("m-log-0", "db", 3, At.AddMinutes(2), 0.7f, 0.9f, "Postgres replica lag on db-8, failover pending") },
        };
        foreach (var match in Matches(At.AddMinutes(1), "Postgres replica lag on db-7, failover pending", 3, "m-log", DeliveryKinds.Deferred, withMessageIds))
        {
            entry.Fingerprints.Add(new Fingerprint(match.MatchId, match.At, MinHashSignature.SketchOf(match.Text)));
            entry.Pending.Add(match);
        }
        return entry;
    }

    private static UserExpansions Expansions()
    {
        var expansions = new UserExpansions();
        expansions.ByText["database replication"] = new StoredExpansion(0x5eed_2026_1205, null, ["replica", "failover"], [0.71f, 0.52f], [19660, 26214, -3]);
        expansions.ByText["packet loss"] = new StoredExpansion(0x5eed_2026_1205, [0.6f, 0.8f], ["latency"], [0.6f], null);
        return expansions;
    }

    /// <summary>One message's matches, every field of a match set in some of them.</summary>
    /// <param name="withMessageIds">False: as builds before <see cref="UserMatch.MessageId"/> wrote them.</param>
    private static UserMatch[] Matches(DateTimeOffset at, string text, int count, string idPrefix, string delivery, bool withMessageIds = true)
    {
        Highlight[] highlights = [new("postgres", 0.4f), new("replica", 0.3f)];
        var matches = new UserMatch[count];
        for (var i = 0; i < count; i++)
        {
            matches[i] = new UserMatch(at, i % 2 == 0 ? "db" : "net", text, 0.9f - (i * 0.01f), highlights, $"{idPrefix}-{i}", delivery,
                DuplicateOf: i == count - 1 ? matches[0].MatchId : null, Truncated: i == 1, RawScore: 0.7f, Source: $"streamattention.messages/3/{40 + i}",
                MessageId: withMessageIds ? $"incident-{40 + i}" : null);
        }
        return matches;
    }

    private abstract record StoredSample(string Name)
    {
        public abstract object Create();

        public abstract BinaryData Write(IGrainStorageSerializer storage);

        public abstract object Read(IGrainStorageSerializer storage, BinaryData record);
    }

    private sealed record StoredSample<T>(string Name, Func<T> Sample) : StoredSample(Name) where T : class
    {
        public override object Create() => Sample();

        public override BinaryData Write(IGrainStorageSerializer storage) => storage.Serialize(Sample());

        public override object Read(IGrainStorageSerializer storage, BinaryData record) => storage.Deserialize<T>(record)!;
    }
}
