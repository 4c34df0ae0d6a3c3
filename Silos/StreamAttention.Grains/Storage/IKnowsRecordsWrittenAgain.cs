namespace StreamAttention.Grains.Storage;

/// <summary>Which grains had a record stored again after Redis lost its data, for them to store what Redis lost beside it.</summary>
public interface IKnowsRecordsWrittenAgain
{
    /// <summary>Whether a write of one of <paramref name="grainId"/>'s records stored it again after Redis lost its data.</summary>
    bool WroteAgain(GrainId grainId);

    /// <summary>Forgets that <paramref name="grainId"/>'s record was stored again, once the grain stored what Redis lost beside it.</summary>
    void Forget(GrainId grainId);
}
