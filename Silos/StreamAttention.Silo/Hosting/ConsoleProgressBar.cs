namespace StreamAttention.Silo.Hosting;

/// <summary>
/// A one-line progress bar on a terminal; on a redirected stream it prints a line every 10% instead. Nothing for work
/// that is done at once.
/// </summary>
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
            // A bar whose first news is that it is done (the model was in the cache) shows nothing.
            if (percent == _lastShown || (!_interactive && percent / 10 == _lastShown / 10) || (_lastShown < 0 && percent == 100))
            {
                return;
            }
            _lastShown = percent;
            var filled = percent * Width / 100;
            var line = $"{label} [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%";
            writer.Write(_interactive ? "\r" + line : line + Environment.NewLine);
        }
    }

    public void Complete() => Report(1);

    public void Dispose()
    {
        if (_interactive && _lastShown >= 0)
        {
            writer.WriteLine();
        }
    }
}
