namespace StreamAttention.Testing;

/// <summary>Until a cluster has noticed a lost silo, calls to grains that lived there fail: such calls are retried for a while.</summary>
public static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);

    /// <summary>The result of the first call of <paramref name="action"/> that succeeds; the last failure once the deadline passed.</summary>
    public static async Task<T> SucceedsAsync<T>(Func<Task<T>> action)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(Pause);
            }
        }
    }

    /// <summary>Returns once a call of <paramref name="action"/> succeeds; throws the last failure once the deadline passed.</summary>
    public static Task SucceedsAsync(Func<Task> action) => SucceedsAsync(async () =>
    {
        await action();
        return true;
    });
}
