namespace StreamAttention.Grains.Storage;

/// <summary>
/// Redis's epoch a record's etag was read (or first written) in (<see cref="LostRecordStorage"/>), for a grain whose
/// activation moves to another silo with its state: the destination's storage never saw that read, and without its
/// epoch refuses to write again a record Redis lost.
/// </summary>
public interface IRecordEpochs
{
    /// <summary>The epoch this silo read before the record of <paramref name="etag"/>; null when it saw none (then none is carried).</summary>
    string? EpochOf(string etag);

    /// <summary>
    /// Takes <paramref name="epoch"/>, read on another silo, as that of <paramref name="etag"/>: the very string the
    /// grain's state holds (epochs are kept by the etag's instance, as long as the state holds it). Unless this silo read
    /// the record itself and keeps that read's epoch for the instance (the migrated state was read again): a read here
    /// came later, and an older epoch would take a deletion since for a loss.
    /// </summary>
    void RememberEpoch(string etag, string epoch);
}
