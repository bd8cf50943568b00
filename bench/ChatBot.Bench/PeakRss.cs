namespace ChatBot.Bench;

/// <summary>Samples a server's resident memory every 50 ms from creation until disposal, keeping the highest value.</summary>
public sealed class PeakRss : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private double _peakMb;

    public PeakRss(AppProcess app, double startMb)
    {
        _peakMb = startMb;
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                _peakMb = Math.Max(_peakMb, app.RssMb());
                await Task.Delay(50);
            }
        });
    }

    /// <summary>The highest RSS seen so far, in MB.</summary>
    public double PeakMb => _peakMb;

    /// <summary>Stops sampling; safe to call more than once, so a bench can stop it at the end of the load and still dispose it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _sampler;
        _stop.Dispose();
    }
}
