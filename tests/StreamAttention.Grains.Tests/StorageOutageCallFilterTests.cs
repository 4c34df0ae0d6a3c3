using System.IO.Pipelines;
using System.Reflection;
using Orleans.Serialization.Invocation;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// How the silo's grain call filter names a failure of Redis that a grain call met outside the grain storage (the
/// stored user keys, reminders): StackExchange.Redis's "Reading is not allowed after reader was completed", with which
/// it fails the commands still out on a connection it tore down after a pause of Redis, is Redis not answering, as
/// <see cref="LostRecordStorage"/> names it; any other <see cref="InvalidOperationException"/> is the grain's own fault.
/// </summary>
public sealed class StorageOutageCallFilterTests
{
    [Fact]
    public async Task A_call_failed_by_a_read_of_the_completed_connection_fails_with_the_storage_unavailable()
    {
        var pipe = new Pipe();
        pipe.Reader.Complete();
        var readerCompleted = Assert.Throws<InvalidOperationException>(() => pipe.Reader.TryRead(out _));

        var unavailable = await Assert.ThrowsAsync<StorageUnavailableException>(() => new StorageOutageCallFilter().Invoke(new FailingCall(readerCompleted)));

        Assert.Contains(readerCompleted.Message, unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_invalid_operation_of_a_call_is_not_taken_for_Redis_not_answering()
    {
        var fault = new InvalidOperationException("Collection was modified; enumeration operation may not execute.");

        Assert.Same(fault, await Assert.ThrowsAsync<InvalidOperationException>(() => new StorageOutageCallFilter().Invoke(new FailingCall(fault))));
    }

    /// <summary>A grain call whose invocation fails with <paramref name="failure"/>; nothing else of it is read.</summary>
    private sealed class FailingCall(Exception failure) : IIncomingGrainCallContext
    {
        public Task Invoke() => Task.FromException(failure);

        public IInvokable Request => throw new NotSupportedException();
        public object Grain => throw new NotSupportedException();
        public GrainId? SourceId => throw new NotSupportedException();
        public GrainId TargetId => throw new NotSupportedException();
        public GrainInterfaceType InterfaceType => throw new NotSupportedException();
        public string InterfaceName => throw new NotSupportedException();
        public string MethodName => throw new NotSupportedException();
        public MethodInfo InterfaceMethod => throw new NotSupportedException();
        public object? Result { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public Response? Response { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public IGrainContext TargetContext => throw new NotSupportedException();
        public MethodInfo ImplementationMethod => throw new NotSupportedException();
    }
}
