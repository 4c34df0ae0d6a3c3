namespace StreamAttention.Silo.Hosting;

/// <summary>A one-line progress bar on a terminal; on a redirected stream it prints a line every 10% instead.</summary>
public sealed class ConsoleProgressBar(string label, TextWriter writer) : IProgress<double>, IDisposable
{
    private const int Width = 30;
    private readonly Lock _lock = new();
    private readonly bool _interactive = ReferenceEquals(writer, Console.Error) ? !Console.IsErrorRedirected : false;
    private int _lastShown = -1;

    public void Report(double value)
    {
        var percent = (int)Math.Clamp(value * 100, 0, 100);
        lock (_lock)
        {
            if (percent == _lastShown || (!_interactive && percent / 10 == _lastShown / 10))
            {
                return;
            }
            _lastShown = percent;
            var filled = percent * Width / 100;
            var line = $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%";
            writer.Write(_interactive ? "\r" + line : line + Environment.NewLine);
        }
    }

    /// <summary>Ends a bar that showed progress at 100 %; one that showed none (the model was in the cache) prints nothing.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (_lastShown < 0)
            {
                return;
            }
        }
        Report(1);
    }

    public void Dispose()
    {
        if (_interactive && _lastShown >= 0)
        {
            writer.WriteLine();
        }
    }
}
