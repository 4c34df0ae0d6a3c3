using StreamAttention.Silo.Hosting;

namespace StreamAttention.Commands.Tests;

public sealed class ConsoleProgressBarTests
{
    [Fact]
    public void A_bar_that_is_done_at_once_prints_nothing_and_one_with_progress_ends_at_100_percent()
    {
        using var cached = new StringWriter();
        using var prepared = new StringWriter();

        using (var bar = new ConsoleProgressBar("distilling model", cached))
        {
            // What a model setup reports when the model is in the cache.
            bar.Report(1);
            bar.Complete();
        }
        using (var bar = new ConsoleProgressBar("distilling model", prepared))
        {
            bar.Report(0.55);
            bar.Complete();
        }

        Assert.Equal("", cached.ToString());
        Assert.Equal(["distilling model [################..............]  55%", "distilling model [##############################] 100%"],
            prepared.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }
}
