using OpenTelemetry.Metrics;

namespace ChatBot.Api.Telemetry;

/// <summary>
/// With embedded metric format on Lambda: exports what a request recorded before its response ends. Lambda freezes an
/// instance once the response is sent, so a periodic export alone would hold a quiet deployment's last turn until the next
/// request wakes the instance (hours later, under that later timestamp), and lose it if Lambda retires the instance first.
/// Delta export writes only the metrics that changed, a few lines on standard output: well under a millisecond.
/// </summary>
internal sealed class FlushMetricsAtRequestEnd(MeterProvider meters) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                meters.ForceFlush(timeoutMilliseconds: 1_000);
            }
        });
        next(app);
    };
}
