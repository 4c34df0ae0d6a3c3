using StreamAttention.Contracts.Calls;

namespace StreamAttention.Grains.Tests.Attention;

public sealed class UnansweredCallsTests
{
    [Fact]
    public void A_call_is_out_until_it_ends_and_then_forgotten_whatever_its_result()
    {
        var calls = new UnansweredCalls();
        var (failing, answering) = (new TaskCompletionSource(), new TaskCompletionSource());

        calls.Add("failing", failing.Task);
        calls.Add("answering", answering.Task);

        Assert.False(calls.IsEmpty);
        Assert.True(calls.IsOut("failing"));
        Assert.True(calls.IsOut("answering"));
        Assert.False(calls.IsOut("other"));

        failing.SetException(new TimeoutException());
        Assert.False(calls.IsOut("failing"));
        Assert.True(calls.IsOut("answering"));
        answering.SetResult();
        Assert.False(calls.IsOut("answering"));
        Assert.True(calls.IsEmpty);
    }

    [Fact]
    public void A_later_call_for_the_same_grain_is_not_forgotten_when_the_earlier_one_ends()
    {
        var calls = new UnansweredCalls();
        var (earlier, later) = (new TaskCompletionSource(), new TaskCompletionSource());

        calls.Add("user", earlier.Task);
        calls.Add("user", later.Task);
        earlier.SetResult();

        Assert.True(calls.IsOut("user"));
        later.SetResult();
        Assert.True(calls.IsEmpty);
    }
}
