using Orleans.Storage;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Grains.Users;

/// <summary>
/// What the embedder's query expansion added to a user's interests, by interest text (twins share one), stored as a
/// record of its own beside the user's state (<see cref="UserExpansionStore"/>). Keyed by text, not by interest id, so
/// it can never give an interest the expansion of a text it no longer has, whichever of the two records a failure left
/// behind.
/// </summary>
[GenerateSerializer, SuppressReferenceTracking, Alias("StreamAttention.UserExpansions")]
public sealed class UserExpansions
{
    [Id(0)]
    public Dictionary<string, StoredExpansion> ByText { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Reads and writes a user's <see cref="UserExpansions"/> (state name <c>user-expansions</c> in the user's grain storage)
/// only when rows are built or interests written, so the user grain does not hold every interest's expansion (~0.4 KB)
/// between them. A write carries the etag of the read it follows, never a remembered one: a rebuild's read may
/// interleave with a write.
/// </summary>
public sealed class UserExpansionStore(IGrainStorage storage, GrainId grain)
{
    private const string StateName = "user-expansions";

    public async Task<ReadExpansions> ReadAsync()
    {
        var record = new GrainState<UserExpansions>(new UserExpansions());
        await storage.ReadStateAsync(StateName, grain, record);
        return new ReadExpansions(record.State?.ByText ?? new Dictionary<string, StoredExpansion>(StringComparer.Ordinal), record.ETag, record.RecordExists);
    }

    /// <summary>Writes <paramref name="expansions"/> over what <paramref name="read"/> read, with its etag.</summary>
    public async Task WriteAsync(ReadExpansions read, Dictionary<string, StoredExpansion> expansions)
    {
        var record = new GrainState<UserExpansions>(new UserExpansions { ByText = expansions }) { ETag = read.ETag, RecordExists = read.RecordExists };
        await storage.WriteStateAsync(StateName, grain, record);
    }

    /// <summary>Removes the record from storage (the user erased); nothing to do when there is none.</summary>
    public async Task ClearAsync()
    {
        var read = await ReadAsync();
        if (read.RecordExists)
        {
            await storage.ClearStateAsync(StateName, grain, new GrainState<UserExpansions>(new UserExpansions()) { ETag = read.ETag, RecordExists = true });
        }
    }
}

/// <summary>A user's expansions as read, with the etag a write over them carries.</summary>
public sealed record ReadExpansions(Dictionary<string, StoredExpansion> ByText, string? ETag, bool RecordExists);
