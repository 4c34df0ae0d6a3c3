using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Cluster;

/// <summary>
/// Keeps the model of each silo that joined, persisted (a reactivation elsewhere still knows the silos that are up), and
/// forgets the silos that are no longer active as the next one joins.
/// </summary>
// The grain type is part of every stored record's key (and of its reminders): pinned, so renaming the class keeps them.
[GrainType("clustermodel")]
public sealed class ClusterModelGrain([PersistentState("cluster-model", StorageNames.Interests)] IPersistentState<ClusterModelState> state)
    : Grain, IClusterModelGrain
{
    public async Task<string?> Join(string silo, string model)
    {
        var active = (await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys.Select(address => address.ToParsableString()).ToHashSet();
        var others = state.State.ModelBySilo.Where(entry => entry.Key != silo && active.Contains(entry.Key)).ToDictionary();
        if (others.Values.FirstOrDefault(other => other != model) is { } conflicting)
        {
            return conflicting;
        }
        others[silo] = model;
        var stored = state.State.ModelBySilo;
        state.State.ModelBySilo = others;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The models stay as stored: a join whose write failed does not count against the next silo's.
            state.State.ModelBySilo = stored;
            throw;
        }
        return null;
    }
}
