using ScottPlot;

namespace StreamAttention.Benchmarks;

/// <summary>One measured path at one number of interests.</summary>
internal sealed record ScalePoint(int Interests, string Path, double MessagesPerSecond, double P50, double P99);

/// <summary>The scale benchmark's plot: messages/s and p50/p99 latency per path against interests, log-log, side by side.</summary>
internal static class ScalePlot
{
    public static void Write(IReadOnlyList<ScalePoint> points, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var (rate, latency) = (multiplot.GetPlot(0), multiplot.GetPlot(1));
        foreach (var series in points.GroupBy(p => p.Path))
        {
            var xs = series.Select(p => Math.Log10(p.Interests)).ToArray();
            rate.Add.ScatterLine(xs, series.Select(p => Math.Log10(p.MessagesPerSecond)).ToArray()).LegendText = series.Key;
            latency.Add.ScatterLine(xs, series.Select(p => Math.Log10(p.P50)).ToArray()).LegendText = $"{series.Key}, p50";
            var p99 = latency.Add.ScatterLine(xs, series.Select(p => Math.Log10(p.P99)).ToArray());
            p99.LegendText = $"{series.Key}, p99";
            p99.LinePattern = LinePattern.Dashed;
        }
        Decorate(rate, points, "messages/s", points.Select(p => p.MessagesPerSecond));
        Decorate(latency, points, "latency per batch / message (ms)", points.SelectMany(p => new[] { p.P50, p.P99 }));
        multiplot.SavePng(path, 1400, 560);
    }

    private static void Decorate(Plot plot, IReadOnlyList<ScalePoint> points, string label, IEnumerable<double> values)
    {
        var sizes = points.Select(p => p.Interests).Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(sizes.Select(s => Math.Log10(s)).ToArray(), sizes.Select(s => s.ToString("N0")).ToArray());
        var decades = values.Where(v => v > 0 && double.IsFinite(v)).Select(v => (int)Math.Floor(Math.Log10(v))).ToArray();
        var ticks = Enumerable.Range(decades.Min(), decades.Max() - decades.Min() + 2).ToArray();
        plot.Axes.Left.SetTicks(ticks.Select(t => (double)t).ToArray(), ticks.Select(t => Math.Pow(10, t).ToString("G")).ToArray());
        plot.XLabel("interests");
        plot.YLabel(label);
        plot.ShowLegend(Alignment.UpperRight);
    }
}
