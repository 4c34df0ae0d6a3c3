using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

public sealed class ScoringCallDeadlineTests
{
    [Fact]
    public void The_deadline_is_three_times_the_slowest_recent_call_and_never_below_its_floor()
    {
        var deadline = new ScoringCallDeadline(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), deadline.Current);

        deadline.Answered(TimeSpan.FromMilliseconds(80));
        Assert.Equal(TimeSpan.FromSeconds(5), deadline.Current);
        deadline.Answered(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(12), deadline.Current);

        // The slow call leaves the window after as many faster ones.
        for (var i = 0; i < ScoringCallDeadline.Window; i++)
        {
            deadline.Answered(TimeSpan.FromSeconds(2));
        }
        Assert.Equal(TimeSpan.FromSeconds(6), deadline.Current);
    }

    [Fact]
    public void A_call_is_given_up_only_at_the_deadline_as_it_is_when_its_wait_ends()
    {
        var deadline = new ScoringCallDeadline(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(2), deadline.LeftFor(TimeSpan.FromSeconds(3)));
        Assert.False(deadline.TryGiveUp(TimeSpan.FromSeconds(3)));

        // Two calls waited the floor: the first given up raises the deadline to 15 s, and the second waits on to it.
        Assert.True(deadline.TryGiveUp(TimeSpan.FromSeconds(5)));
        Assert.False(deadline.TryGiveUp(TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromSeconds(10), deadline.LeftFor(TimeSpan.FromSeconds(5)));

        Assert.True(deadline.TryGiveUp(TimeSpan.FromSeconds(15)));
        Assert.Equal(TimeSpan.FromSeconds(45), deadline.Current);
        Assert.Equal(TimeSpan.Zero, deadline.LeftFor(TimeSpan.FromSeconds(50)));
    }
}
