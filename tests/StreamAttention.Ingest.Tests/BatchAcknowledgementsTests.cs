using Confluent.Kafka;
using StreamAttention.Ingest.Publishing;
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace StreamAttention.Ingest.Tests;

public sealed class BatchAcknowledgementsTests
{
    [Fact]
    public async Task A_batch_completes_only_after_every_output_was_acknowledged()
    {
        var acknowledgements = new BatchAcknowledgements();
        acknowledgements.Add();
        acknowledgements.Add();
        acknowledgements.Report(Delivered());

        var all = acknowledgements.AllAsync();
        Assert.False(all.IsCompleted);
        acknowledgements.Report(Delivered());
        await all.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_batch_without_outputs_completes_at_once()
        => await new BatchAcknowledgements().AllAsync().WaitAsync(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task A_failed_delivery_fails_the_batch()
    {
        var acknowledgements = new BatchAcknowledgements();
        acknowledgements.Add();
        acknowledgements.Add();
        acknowledgements.Report(new DeliveryReport<byte[]?, byte[]?> { Error = new Error(ErrorCode.Local_MsgTimedOut) });
        acknowledgements.Report(Delivered());

        var failure = await Assert.ThrowsAsync<ProduceException<byte[]?, byte[]?>>(() => acknowledgements.AllAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);
    }

    [Fact]
    public async Task An_output_never_produced_does_not_hold_the_batch()
    {
        var acknowledgements = new BatchAcknowledgements();
        acknowledgements.Add();
        acknowledgements.Abandon();
        await acknowledgements.AllAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static DeliveryReport<byte[]?, byte[]?> Delivered() => new() { Error = new Error(ErrorCode.NoError) };
}
