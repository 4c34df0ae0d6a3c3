using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using StreamAttention.Embeddings.Hosting;
using StreamAttention.Grains.Hosting;
using StreamAttention.Grains.Storage;
using StreamAttention.Scoring.Hosting;
using Xunit;

namespace StreamAttention.Testing;

/// <summary>
/// An in-process cluster of real silos: the GloVe embedder, the ONNX scorer, the grains, in-memory reminders, and
/// grain storage shared across silos (<see cref="SharedGrainStore"/>). Small limits make the validation tests cheap.
/// Scores are raw (<c>Scoring:Calibration=None</c>, threshold 0.7), so that the tests' thresholds and texts
/// (<see cref="Texts"/>) do not depend on what a silo's background has seen; calibrated clusters override it.
/// </summary>
public static class TestCluster
{
    public const int HistorySize = 5;
    public const int MaxInterestsPerUser = 20;
    public const int MaxTextLength = 300;

    /// <summary>
    /// Raw scores at the raw threshold 0.7 for the test hosts (<see cref="Settings"/>, <see cref="SiloProcess"/>,
    /// <see cref="SiloHostFixture"/>): the tests' texts (<see cref="Texts"/>) and thresholds are in raw units, and some
    /// compare scores across silos and restarts, while calibrated scores follow each silo's background, which in these
    /// tests is a few texts repeated. A test may pass other values after them.
    /// </summary>
    public static string[] RawScoringArguments => ["--Embeddings:Provider=glove", "--Scoring:Calibration=None", "--Scoring:DefaultThreshold=0.7"];

    public static Dictionary<string, string?> Settings => new()
    {
        ["Interests:MatchHistorySize"] = HistorySize.ToString(),
        ["Interests:HeldBackHistorySize"] = HistorySize.ToString(),
        ["Interests:MaxInterestsPerUser"] = MaxInterestsPerUser.ToString(),
        ["Interests:MaxTextLength"] = MaxTextLength.ToString(),
        ["Sharding:ShardCount"] = "8",
        ["Embeddings:Provider"] = "glove",
        ["Scoring:Calibration"] = "None",
        ["Scoring:DefaultThreshold"] = "0.7",
    };

    /// <param name="configure">More silo configuration, e.g. a fault-injecting grain call filter.</param>
    /// <param name="settings">Configuration over <see cref="Settings"/>.</param>
    public static async Task<InProcessTestCluster> StartAsync(SharedGrainStore store, short silos = 2, Action<ISiloBuilder>? configure = null,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(Settings).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddStaticWordEmbeddings();
            silo.Services.AddStreamAttentionScoring();
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Interests,
                (provider, _) => new SharedGrainStorage(store, provider.GetRequiredService<DeepCopier>()));
            silo.AddStreamAttentionGrains();
            silo.UseInMemoryReminderService();
            configure?.Invoke(silo);
        });
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            return cluster;
        }
        catch
        {
            // DeployAsync stops the silos it started when one fails, but not when the failure is a TimeoutException: no
            // caller holds a cluster whose start threw, so the silos that did start would run until the test host exits.
            await cluster.DisposeAsync();
            throw;
        }
    }
}

/// <summary>One cluster shared by the tests of a class; each test uses its own user ids. Subclasses arrange more after the start.</summary>
public class ClusterFixture : IAsyncLifetime
{
    public SharedGrainStore Store { get; } = new();

    public InProcessTestCluster Cluster { get; protected set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public virtual async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(Store);

    /// <summary>xUnit disposes a fixture whose start threw too: then there is no cluster, and the start's exception is the one to see.</summary>
    public virtual async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
