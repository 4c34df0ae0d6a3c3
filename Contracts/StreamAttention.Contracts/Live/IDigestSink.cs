using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Live;

/// <summary>
/// Where a silo sends the digests its user grains form (e.g. the Kafka digests topic). A digest whose sending fails
/// stays in the user's outbox and is sent again, with the same id, at the user's next digest check.
/// </summary>
public interface IDigestSink
{
    Task PublishAsync(Digest digest, CancellationToken cancellationToken);
}
