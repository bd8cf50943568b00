using ChatBot.Llm.LlamaSharp.Download;

namespace ChatBot.Llm.LlamaSharp.Tests;

public sealed class DownloadProgressBarTests
{
    [Fact]
    public void Report_OnATerminal_RedrawsOneLineInPlaceAtMostFourTimesASecond()
    {
        var time = new ManualTime();
        using var output = new StringWriter();
        using (var bar = new DownloadProgressBar(output, interactive: true, time, "Downloading m.gguf", resumedFrom: 0, total: 100 * 1_048_576))
        {
            for (var i = 1; i <= 10; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                bar.Report(i * 5 * 1_048_576L);
            }
            bar.Complete(100 * 1_048_576L);
        }

        var text = output.ToString();
        Assert.Equal(4, text.Count(c => c == '\r')); // at 300, 600 and 900 ms, and the final draw
        Assert.EndsWith(Environment.NewLine, text);
        Assert.Contains("\rDownloading m.gguf [#########.....................]  30%  30.0/100.0 MB  50.0 MB/s", text);
        Assert.Contains("[##############################] 100%  100.0/100.0 MB", text);
    }

    [Fact]
    public void Report_WithUnknownSize_ShowsMegabytesAndRateWithoutPercentage()
    {
        var time = new ManualTime();
        using var output = new StringWriter();
        using var bar = new DownloadProgressBar(output, interactive: false, time, "Downloading m.gguf", resumedFrom: 0, total: null);

        time.Advance(TimeSpan.FromSeconds(11));
        bar.Report(22 * 1_048_576L);

        Assert.Contains("Downloading m.gguf: 22.0 MB (2.0 MB/s)", output.ToString());
    }

    [Fact]
    public void Start_WhenResuming_SaysWhereItResumes()
    {
        using var output = new StringWriter();

        using var bar = new DownloadProgressBar(output, interactive: false, new ManualTime(), "Downloading m.gguf", resumedFrom: 3 * 1_048_576, total: 10 * 1_048_576);

        Assert.Equal("Downloading m.gguf: resuming at 3.0 MB" + Environment.NewLine, output.ToString());
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
