using System.Text;

namespace StreamAttention.Silo.IO;

/// <summary>
/// Another thread's lines to <paramref name="log"/> until <see cref="TextWriter.Close"/>, then none: once Close returns,
/// a line being written has been written whole and later ones are dropped, so the closer's next line is the last of
/// theirs. <paramref name="log"/> itself stays open.
/// </summary>
internal sealed class LogUntilClosed(TextWriter log) : TextWriter
{
    private readonly Lock _gate = new();
    private bool _closed;

    public override Encoding Encoding => log.Encoding;

    public override void Write(char value) => Forward(value.ToString());

    public override void Write(string? value) => Forward(value);

    public override void WriteLine(string? value) => Forward(value + NewLine);

    private void Forward(string? text)
    {
        lock (_gate)
        {
            if (!_closed)
            {
                log.Write(text);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            _closed = true;
        }
        base.Dispose(disposing);
    }
}
