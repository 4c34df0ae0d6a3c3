namespace StreamAttention.Ingest.Pipeline;

/// <summary>Marks a batch whose every output the broker acknowledged, so its offsets may be committed.</summary>
public sealed class BatchHandle
{
    private volatile bool _completed;

    public bool Completed => _completed;

    public void Complete() => _completed = true;
}
