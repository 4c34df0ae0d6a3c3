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
}
