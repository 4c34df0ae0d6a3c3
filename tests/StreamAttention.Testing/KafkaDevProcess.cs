namespace StreamAttention.Testing;

/// <summary>
/// <c>streamattention kafka-dev</c> (the embedded Kafka, librdkafka's mock cluster) as a child process with the topics
/// StreamAttention reads and writes: a native fault in the mock ends that process, not the test host. Stopped by its
/// PID at disposal (SIGTERM, then killed if it has not exited), whether or not the test passed.
/// </summary>
public sealed class KafkaDevProcess : IDisposable
{
    /// <summary>The mock starts in well under a second alone; a busy CI machine starts the dotnet host much more slowly.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly ChildProcess _process;
    private readonly string _bootstrapFile;

    private KafkaDevProcess(ChildProcess process, string bootstrapFile)
    {
        _process = process;
        _bootstrapFile = bootstrapFile;
    }

    /// <summary>The brokers' addresses on 127.0.0.1, as clients and <c>--kafka</c> take them.</summary>
    public string BootstrapServers { get; private set; } = "";

    /// <summary>Starts kafka-dev and waits until it has written its bootstrap file (the cluster and its topics are ready).</summary>
    public static async Task<KafkaDevProcess> StartAsync(int partitions)
    {
        var bootstrapFile = Path.Combine(Path.GetTempPath(), $"kafka-dev-{Guid.NewGuid():N}.bootstrap");
        var kafka = new KafkaDevProcess(
            ChildProcess.StartStreamAttention("kafka-dev", "--partitions", partitions.ToString(), "--bootstrap-file", bootstrapFile), bootstrapFile);
        try
        {
            kafka.BootstrapServers = await kafka.WaitForBootstrapAsync();
            return kafka;
        }
        catch
        {
            kafka.Dispose();
            throw;
        }
    }

    /// <summary>Ends kafka-dev at once (SIGKILL), as a native fault in the mock cluster would: its clients lose their brokers.</summary>
    public void Kill() => _process.Kill();

    /// <summary>Stops kafka-dev if it still runs; again, or after <see cref="Kill"/>, it only removes what is left.</summary>
    public void Dispose()
    {
        // A disposed ChildProcess has exited, and disposing it again does nothing.
        if (!_process.HasExited)
        {
            try
            {
                _process.Terminate();
                // Not stopped in time: ChildProcess kills what is left.
                _process.WaitForExit(StopTimeout);
            }
            catch (InvalidOperationException)
            {
                // Gone between the check and the signal.
            }
        }
        _process.Dispose();
        // kafka-dev removes it when it stops by itself; not when killed.
        File.Delete(_bootstrapFile);
    }

    /// <summary>The file is written whole once the cluster is ready (kafka-dev writes it aside and moves it in place).</summary>
    private async Task<string> WaitForBootstrapAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(_bootstrapFile))
            {
                return (await File.ReadAllTextAsync(_bootstrapFile)).Trim();
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"kafka-dev exited before it wrote its bootstrap file; its stderr: {await _process.StandardErrorAsync()}");
            }
            await Task.Delay(100);
        }
        _process.Kill();
        throw new TimeoutException($"kafka-dev wrote no bootstrap file within {StartTimeout.TotalSeconds} s; its stderr: {await _process.StandardErrorAsync()}");
    }
}
