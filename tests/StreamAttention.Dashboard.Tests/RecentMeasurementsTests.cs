using Microsoft.Extensions.Time.Testing;
using StreamAttention.Server.Dashboard;

namespace StreamAttention.Dashboard.Tests;

public sealed class RecentMeasurementsTests
{
    [Fact]
    public void Measurements_leave_once_older_than_the_maximum_age()
    {
        var time = new FakeTimeProvider();
        var window = new RecentMeasurements(capacity: 8, maxAge: TimeSpan.FromMinutes(5), time);
        window.Add(200);
        window.Add(210);
        time.Advance(TimeSpan.FromMinutes(3));
        window.Add(20);

        Assert.Equal([20.0, 200, 210], window.Values().Order());
        time.Advance(TimeSpan.FromMinutes(2.5));
        Assert.Equal([20.0], window.Values());
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Empty(window.Values());
    }

    [Fact]
    public void At_most_the_capacity_is_kept_the_newest()
    {
        var window = new RecentMeasurements(capacity: 3, maxAge: TimeSpan.FromMinutes(5), new FakeTimeProvider());
        foreach (var value in new double[] { 1, 2, 3, 4, 5 })
        {
            window.Add(value);
        }

        Assert.Equal([3.0, 4, 5], window.Values().Order());
    }
}
