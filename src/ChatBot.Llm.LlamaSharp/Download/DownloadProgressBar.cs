using System.Globalization;

namespace ChatBot.Llm.LlamaSharp.Download;

// Download progress for a person watching the console. On a terminal it redraws one line in place, at most a few
// times a second; when the output is a file or a pipe (CI logs, docker logs) it writes a plain line now and then
// instead, because a log full of carriage returns is unreadable.
internal sealed class DownloadProgressBar : IDisposable
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly TimeProvider _time;
    private readonly string _label;
    private readonly long? _total;
    private readonly long _resumedFrom;
    private readonly long _startedAt;
    private long _lastDrawAt;
    private int _lastWidth;

    public DownloadProgressBar(TextWriter output, bool interactive, TimeProvider time, string label, long resumedFrom, long? total)
    {
        _output = output;
        _interactive = interactive;
        _time = time;
        _label = label;
        _total = total;
        _resumedFrom = resumedFrom;
        _startedAt = _lastDrawAt = time.GetTimestamp();
        if (!interactive)
        {
            _output.WriteLine(resumedFrom > 0 ? $"{label}: resuming at {Megabytes(resumedFrom)} MB" : $"{label}: starting");
        }
    }

    public void Report(long downloaded)
    {
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastDrawAt, now) < (_interactive ? RedrawInterval : LineInterval))
        {
            return;
        }

        _lastDrawAt = now;
        Draw(downloaded, now);
    }

    public void Complete(long downloaded) => Draw(downloaded, _time.GetTimestamp());

    // Ends the bar's line, finished or interrupted, so whatever is printed next starts on a line of its own.
    public void Dispose()
    {
        if (_interactive && _lastWidth > 0)
        {
            _output.WriteLine();
        }
    }

    private void Draw(long downloaded, long now)
    {
        var seconds = Math.Max(_time.GetElapsedTime(_startedAt, now).TotalSeconds, 0.001);
        var rate = $"{Megabytes((long)((downloaded - _resumedFrom) / seconds))} MB/s";
        var size = _total is { } total ? $"{Megabytes(downloaded)}/{Megabytes(total)} MB" : $"{Megabytes(downloaded)} MB";
        var percent = _total is > 0 ? (int)(downloaded * 100 / _total.Value) : (int?)null;

        if (!_interactive)
        {
            _output.WriteLine(percent is { } p ? $"{_label}: {p}% ({size}, {rate})" : $"{_label}: {size} ({rate})");
            return;
        }

        var filled = percent is { } pc ? pc * BarWidth / 100 : 0;
        var bar = percent is null ? "" : $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {percent,3}%  ";
        var line = $"{_label} {bar}{size}  {rate}";
        // Pad over the previous, possibly longer, line: \r only moves the cursor back.
        _output.Write("\r" + line.PadRight(_lastWidth));
        _output.Flush();
        _lastWidth = line.Length;
    }

    private static string Megabytes(long bytes) => (bytes / 1_048_576d).ToString("0.0", CultureInfo.InvariantCulture);
}
