using Orleans.Persistence.Redis;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// A stored record's content could not be deserialized (<see cref="BinaryStateSerializer"/>): the record's fault, which
/// reading it again does not mend, told apart from a storage that failed the read (Redis did not answer, a stopping
/// silo's storage was closed), after which the same record reads fine.
/// </summary>
public sealed class UnreadableRecordException(Exception cause)
    : Exception($"The stored record could not be deserialized: {cause.GetType()}: {cause.Message}", cause)
{
    /// <summary>
    /// Whether <paramref name="e"/> is or wraps this exception. Orleans' Redis storage writes the cause's type into its
    /// message and leaves the inner exception out, so its message is looked at too.
    /// </summary>
    public static bool IsCauseOf(Exception? e) => e switch
    {
        null => false,
        UnreadableRecordException => true,
        RedisStorageException when e.Message.Contains(typeof(UnreadableRecordException).FullName!, StringComparison.Ordinal) => true,
        _ => IsCauseOf(e.InnerException),
    };
}
