namespace StreamAttention.Testing;

/// <summary>A <see cref="SiloHostFixture"/> clustered through a Redis of its own (<see cref="RedisServer"/>), started before the silo and stopped after it.</summary>
public class RedisSiloHostFixture : SiloHostFixture
{
    private RedisServer? _redis;

    public RedisServer Redis => _redis!;

    protected override IEnumerable<string> Arguments => Redis.ClusteringConfiguration;

    public override async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        await BeforeSiloStartsAsync();
        await base.InitializeAsync();
    }

    /// <summary>What a subclass stores in <see cref="Redis"/> before the silo starts (records of an earlier build).</summary>
    protected virtual Task BeforeSiloStartsAsync() => Task.CompletedTask;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _redis?.Dispose();
    }
}
