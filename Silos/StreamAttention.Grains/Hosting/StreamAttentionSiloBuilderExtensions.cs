using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Serialization.Session;
using Orleans.Storage;
using StackExchange.Redis;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Cluster;
using StreamAttention.Grains.Import;
using StreamAttention.Grains.Live;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Tenants;
using StreamAttention.Grains.Users;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Hosting;

public static class StreamAttentionSiloBuilderExtensions
{
    /// <summary>
    /// Registers what the grains need besides the embedder and the scorer (registered by their own extensions):
    /// the silo's dynamic batcher (its interest index, queue and runs) with its metrics, the gateway's metrics, the
    /// users' delivery policies (<see cref="AttentionFilter"/> on the registered <see cref="TimeProvider"/>), the
    /// background delivery of matches, the silo's end of the live match feed, validation, interest embedding and the bulk importer, with
    /// <see cref="ShardingOptions"/>, <see cref="InterestLimitsOptions"/>, <see cref="DynamicBatchingOptions"/>, <see cref="TenantQuotaOptions"/> and <see cref="LiveFeedOptions"/>
    /// bound from configuration and validated at start. Grain storage named <see cref="StorageNames.Interests"/>
    /// must be added separately (see <see cref="UseStreamAttentionCluster(ISiloBuilder, IConfiguration)"/>).
    /// </summary>
    public static ISiloBuilder AddStreamAttentionGrains(this ISiloBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ShardingOptions>().BindConfiguration(ShardingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InterestLimitsOptions>().BindConfiguration(InterestLimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DynamicBatchingOptions>().BindConfiguration(DynamicBatchingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TenantQuotaOptions>().BindConfiguration(TenantQuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DeliveryDecisionOptions>().BindConfiguration(DeliveryDecisionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LiveFeedOptions>().BindConfiguration(LiveFeedOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BatchingInstruments>();
        services.TryAddSingleton<GatewayInstruments>();
        services.TryAddSingleton<MatchBroadcaster>();
        services.AddHostedService(provider => provider.GetRequiredService<MatchBroadcaster>());
        services.TryAddSingleton<AttentionInstruments>();
        services.TryAddSingleton(provider => new AttentionFilter(provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<InterestLimitsOptions>>().Value.MaxFingerprintsPerUser));
        services.TryAddSingleton<UserGrainReferences>();
        // Counted by the Redis storage (LostRecordStorage); asked by the decisions of a user past its deadline.
        services.TryAddSingleton<StorageCalls>();
        builder.AddGrainExtension<IStorageCallsExtension, StorageCallsExtension>();
        services.TryAddSingleton<DeliveryDecisions>();
        services.AddHostedService(provider => provider.GetRequiredService<DeliveryDecisions>());
        services.TryAddSingleton<MatchDelivery>();
        services.AddHostedService(provider => provider.GetRequiredService<MatchDelivery>());
        services.TryAddSingleton(provider => new SiloInterestIndex(
            new WordTable(provider.GetRequiredService<ITextEmbedder>().Dimension), provider.GetRequiredService<IOptions<ScoringOptions>>().Value));
        services.TryAddSingleton<ShardScoringBatcher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<ShardScoringBatcher>());
        services.TryAddSingleton<InterestValidator>();
        services.TryAddSingleton<InterestEmbedder>();
        services.TryAddSingleton<InterestImporter>();
        // Where AddStreamAttentionRedisStorage added its own, before or after, that one is used.
        services.TryAddSingleton<IStoredUserKeys, MemoryStoredUserKeys>();
        services.AddPlacementDirector<ShardPlacement, ShardPlacementDirector>();
        services.AddPlacementDirector<SiloPlacement, SiloPlacementDirector>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ClusterContractCheck>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ClusterModelCheck>();
        return builder;
    }

    /// <summary>The counts of <see cref="ClusterMembershipOptions"/> an operator sets, each at least 1.</summary>
    private static readonly (string Name, Func<ClusterMembershipOptions, int> Count)[] MembershipCounts =
    [
        (nameof(ClusterMembershipOptions.NumMissedProbesLimit), membership => membership.NumMissedProbesLimit),
        (nameof(ClusterMembershipOptions.NumProbedSilos), membership => membership.NumProbedSilos),
        (nameof(ClusterMembershipOptions.NumVotesForDeathDeclaration), membership => membership.NumVotesForDeathDeclaration),
        (nameof(ClusterMembershipOptions.NumMissedTableIAmAliveLimit), membership => membership.NumMissedTableIAmAliveLimit),
    ];

    /// <summary>
    /// Clustering, the <see cref="StorageNames.Interests"/> grain storage (in the <see cref="BinaryStateSerializer"/>'s format)
    /// and the reminder service as <see cref="SiloClusterOptions"/> (section "Cluster") say: one loopback silo with memory
    /// storage by default, Redis when configured. Section
    /// "Cluster:Membership" overrides Orleans' <see cref="ClusterMembershipOptions"/> (failure detection).
    /// </summary>
    public static ISiloBuilder UseStreamAttentionCluster(this ISiloBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(SiloClusterOptions.SectionName).Get<SiloClusterOptions>() ?? new SiloClusterOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        var listenAddress = options.Clustering == ClusteringKind.Redis && options.AdvertisedAddress is not null ? IPAddress.Any : IPAddress.Loopback;
        ListeningPorts.EnsureFree(listenAddress, ("Cluster:SiloPort", options.SiloPort), ("Cluster:GatewayPort", options.GatewayPort));
        // Orleans' defaults declare a killed silo dead after ~15 s and a frozen one after ~60 s, and calls to its grains
        // hang until then; StreamAttention's (SiloClusterOptions.MembershipDefaults) take 2 and 9 s. The section's own
        // keys, bound after them, win.
        var membership = configuration.GetSection(SiloClusterOptions.MembershipSectionName);
        builder.Services.Configure<ClusterMembershipOptions>(SiloClusterOptions.MembershipDefaults);
        builder.Services.Configure<ClusterMembershipOptions>(membership);
        builder.Services.PostConfigure<ClusterMembershipOptions>(probes =>
        {
            if (membership[nameof(ClusterMembershipOptions.MaxProbeTimeout)] is null)
            {
                probes.MaxProbeTimeout = SiloClusterOptions.MaxProbeTimeoutInProbeTimeouts * probes.ProbeTimeout;
            }
        });
        // Orleans checks its membership timeouts at start, not its counts: NumMissedProbesLimit=0 was taken as it was.
        var counts = builder.Services.AddOptions<ClusterMembershipOptions>().ValidateOnStart();
        foreach (var (name, count) in MembershipCounts)
        {
            counts.Validate(membership => count(membership) >= 1, $"{SiloClusterOptions.MembershipSectionName}:{name} must be at least 1.");
        }
        builder.Configure<SiloMessagingOptions>(messaging => ConfigureTimeout(messaging, options));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.AddOptions<DeliveryDecisionOptions>().Validate(decisions => decisions.AnswerDeadline < options.ResponseTimeout,
            $"Decisions:AnswerDeadline must be below Cluster:ResponseTimeout ({options.ResponseTimeout:c}): past it Orleans gives up on a user's call first, and a hung user is never told apart.");
        switch (options.Clustering)
        {
            case ClusteringKind.Localhost:
                builder.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                break;
            case ClusteringKind.Redis:
                builder.Configure<ClusterOptions>(cluster => (cluster.ClusterId, cluster.ServiceId) = (options.ClusterId, options.ServiceId));
                builder.UseRedisClustering(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis!));
                if (options.AdvertisedAddress is null)
                {
                    // The plain overload would advertise a non-loopback address; silos on one machine talk over loopback.
                    builder.ConfigureEndpoints(IPAddress.Loopback, options.SiloPort, options.GatewayPort);
                }
                else
                {
                    // Containers: the advertised address is the pod's or service's, which the container does not
                    // necessarily own as a listening address (NAT, host names), so listen on all interfaces.
                    builder.ConfigureEndpoints(options.AdvertisedAddress, options.SiloPort, options.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
                }
                break;
        }
        AddBinaryStateSerializer(builder);
        switch (options.EffectiveStorage)
        {
            // Digest reminders are as durable as the state they serve.
            case StorageKind.Memory:
                builder.AddMemoryGrainStorage(StorageNames.Interests, (OptionsBuilder<MemoryGrainStorageOptions> memory) => UseBinaryStateSerializer(memory));
                builder.UseInMemoryReminderService();
                break;
            case StorageKind.Redis:
                builder.AddStreamAttentionRedisStorage(options.Redis!);
                builder.UseRedisReminderService(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis!));
                break;
        }
        return builder;
    }

    /// <summary>
    /// The grain storage <see cref="StorageNames.Interests"/> in the Redis at <paramref name="redis"/> (StackExchange.Redis
    /// syntax), with the storage outage filter; the reminders are the caller's.
    /// </summary>
    public static ISiloBuilder AddStreamAttentionRedisStorage(this ISiloBuilder builder, string redis)
    {
        AddBinaryStateSerializer(builder);
        builder.AddIncomingGrainCallFilter<StorageOutageCallFilter>();
        // Made by the container, so that it closes the connection when the silo stops.
        builder.Services.AddSingleton(_ => new RedisStorageConnection(ConfigurationOptions.Parse(redis)));
        builder.Services.AddSingleton<IStoredUserKeys, RedisStoredUserKeys>();
        builder.Services.TryAddSingleton<StorageCalls>();
        // Cleared records are deleted: otherwise each attention log entry ever removed would stay as an empty hash.
        builder.AddRedisGrainStorage(RedisStorageName, (OptionsBuilder<RedisStorageOptions> storage) => UseBinaryStateSerializer(storage
            .Configure<RedisStorageConnection>((options, connection) => (options.ConfigurationOptions, options.CreateMultiplexer, options.DeleteStateOnClear)
                = (ConfigurationOptions.Parse(redis), _ => connection.SharedAsync(), true))));
        // The grains use it through LostRecordStorage: a Redis that lost its data does not fail their next writes. Only the
        // users and the tenants store what Redis lost beside the record written (a tenant: its other buckets).
        builder.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Interests, (services, _) => new LostRecordStorage(
            services.GetRequiredKeyedService<IGrainStorage>(RedisStorageName), services.GetRequiredService<RedisStorageConnection>(),
            services.GetRequiredService<IOptions<ClusterOptions>>(),
            new HashSet<GrainType> { GrainType.Create(UserGrain.GrainTypeName), GrainType.Create(TenantGrain.GrainTypeName) },
            services.GetRequiredService<StorageCalls>(), services.GetRequiredService<ILogger<LostRecordStorage>>()));
        return builder;
    }

    private static void AddBinaryStateSerializer(ISiloBuilder builder)
        => builder.Services.TryAddSingleton(provider => new BinaryStateSerializer(
            provider.GetRequiredService<Serializer>(), provider.GetRequiredService<SerializerSessionPool>(), new JsonGrainStorageSerializer(provider.GetRequiredService<OrleansJsonSerializer>())));

    /// <summary>
    /// An Orleans client of the cluster that <see cref="UseStreamAttentionCluster(ISiloBuilder, IConfiguration)"/> forms from
    /// the same section "Cluster": the local silo's gateway port, or the gateways listed in Redis.
    /// </summary>
    public static IClientBuilder UseStreamAttentionCluster(this IClientBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(SiloClusterOptions.SectionName).Get<SiloClusterOptions>() ?? new SiloClusterOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        builder.Configure<ClientMessagingOptions>(messaging => ConfigureTimeout(messaging, options));
        switch (options.Clustering)
        {
            case ClusteringKind.Localhost:
                builder.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
                break;
            case ClusteringKind.Redis:
                builder.Configure<ClusterOptions>(cluster => (cluster.ClusterId, cluster.ServiceId) = (options.ClusterId, options.ServiceId));
                builder.UseRedisClustering(redis => redis.ConfigurationOptions = ConfigurationOptions.Parse(options.Redis!));
                break;
        }
        return builder;
    }

    /// <summary>The Redis storage's own name, under <see cref="StorageNames.Interests"/>; the stored records' keys do not hold it.</summary>
    private const string RedisStorageName = StorageNames.Interests + "-redis";

    private static void UseBinaryStateSerializer<TOptions>(OptionsBuilder<TOptions> storage) where TOptions : class, IStorageProviderSerializerOptions
        => storage.Configure<BinaryStateSerializer>((options, serializer) => options.GrainStorageSerializer = serializer);

    /// <summary>A caller that gives up cancels the callee's token, so the silo drops the work nobody waits for.</summary>
    private static void ConfigureTimeout(MessagingOptions messaging, SiloClusterOptions options)
    {
        messaging.ResponseTimeout = options.ResponseTimeout;
        messaging.CancelRequestOnTimeout = true;
    }
}
