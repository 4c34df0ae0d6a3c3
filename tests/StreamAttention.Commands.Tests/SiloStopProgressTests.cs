using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Storage;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// A silo's stop that waits for a grain still running a request (here a tenant's count, whose write the test holds):
/// what <see cref="SiloStopDeadline"/>'s line names when such a stop overruns its timeout.
/// </summary>
public sealed class SiloStopProgressTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_stop_held_by_a_grains_request_names_the_stage_that_waits_and_the_grain_with_its_request()
    {
        var writes = new HeldTenantWrites();
        var builder = SiloHost.CreateBuilder([.. TestAuth.Arguments, "--Cluster:SiloPort=" + LoopbackPort.Free(), "--Cluster:GatewayPort=" + LoopbackPort.Free()],
            $"http://127.0.0.1:{LoopbackPort.Free()}");
        HoldTenantWrites(builder.Services, writes);
        await using var app = SiloHost.Build(builder);
        await app.StartAsync();
        using var progress = new SiloStopProgress(app.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress);

        var release = app.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>("acme").Release("acme/ada", 1);
        await writes.Held.Task.WaitAsync(Wait);
        progress.Follow();
        var stop = app.StopAsync();
        // The stop deactivates every grain of the silo (Orleans' GrainDeactivation stage): the others end, the tenant's
        // waits for its request.
        var waited = DateTime.UtcNow + Wait;
        while (progress.Deactivating is not [var only] || !only.Contains("tenant/acme"))
        {
            Assert.True(DateTime.UtcNow < waited && !stop.IsCompleted, $"the stop did not come to wait for the tenant's grain alone: {progress.Describe()}");
            await Task.Delay(50);
        }

        var described = progress.Describe();
        Assert.Contains("Orleans.Runtime.Silo (GrainDeactivation", described);
        var grain = Assert.Single(progress.Deactivating);
        Assert.Contains("tenant/acme", grain);
        Assert.Contains("State=Deactivating", grain);
        Assert.Contains($"({DeactivationReasonCode.ShuttingDown}:", grain);
        Assert.Contains(grain, described);

        writes.Release.SetResult();
        // Its write then fails or not (the memory storage keeps its records in grains that the stop deactivates too): the
        // request's end is what the stop waited for.
        await release.WaitAsync(Wait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        await stop.WaitAsync(Wait);
        Assert.Empty(progress.Deactivating);
        Assert.Empty(progress.Stopping);
    }

    /// <summary>The silo's grain storage, whose writes of a tenant's counts wait for the test.</summary>
    private static void HoldTenantWrites(IServiceCollection services, HeldTenantWrites writes)
    {
        var index = services.ToList().FindLastIndex(s => s.IsKeyedService && Equals(s.ServiceKey, StorageNames.Interests) && s.ServiceType == typeof(IGrainStorage));
        var storage = services[index];
        services[index] = ServiceDescriptor.KeyedSingleton<IGrainStorage>(StorageNames.Interests,
            (provider, key) => writes.Around((IGrainStorage)storage.KeyedImplementationFactory!(provider, key)));
    }

    private sealed class HeldTenantWrites
    {
        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IGrainStorage Around(IGrainStorage storage) => new Storage(storage, this);

        private sealed class Storage(IGrainStorage inner, HeldTenantWrites writes) : IGrainStorage
        {
            public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

            public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
            {
                // A tenant grain's writes, whichever of its records (its counts are split over several).
                if (grainId.Type.ToString() == "tenant")
                {
                    writes.Held.TrySetResult();
                    await writes.Release.Task;
                }
                await inner.WriteStateAsync(stateName, grainId, grainState);
            }

            public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
        }
    }
}
