using System.Diagnostics;
using ChatBot.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChatBot.Api.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>The model spans and metrics of Microsoft.Extensions.AI's OpenTelemetry client (gen_ai semantic conventions).</summary>
    public const string ModelSource = "Experimental.Microsoft.Extensions.AI";

    /// <summary>The spans a turn's trace is made of: the HTTP request, ChatBot's store and cache calls, the model call.</summary>
    public static readonly string[] TraceSources = ["Microsoft.AspNetCore", TelemetryNames.Source, ModelSource];

    /// <summary>The meters exported to OTLP and the console. EMF publishes ChatBot's own only: each CloudWatch metric is billed.</summary>
    public static readonly string[] Meters = [TelemetryNames.Source, ModelSource, "Microsoft.AspNetCore.Hosting"];

    /// <summary>
    /// Spans around the store and the cache, and the exporters the configuration asks for. Call after the adapters are
    /// registered (it decorates them). With no exporter configured, no OpenTelemetry SDK is registered, so nothing is
    /// built at startup (on Lambda, startup is cold-start time).
    /// </summary>
    public static IHostApplicationBuilder AddChatBotTelemetry(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.SectionName);
        builder.Services.AddOptions<TelemetryOptions>().Bind(section).ValidateWith<TelemetryOptions, TelemetryOptionsValidator>();
        builder.Services.Decorate<IConversationStore>(inner => new TracedConversationStore(inner));
        builder.Services.Decorate<IContextCache>(inner => new TracedContextCache(inner));
        // Behind API Gateway, a request continues its X-Ray trace, so logs and problems carry the X-Ray trace id.
        builder.Services.AddSingleton<DistributedContextPropagator>(
            new XRayTraceHeaderPropagator(DistributedContextPropagator.CreateDefaultPropagator()));

        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!otlp && !options.Console && !options.Emf)
        {
            return builder;
        }

        var interval = options.MetricsIntervalSeconds * 1000;
        var telemetry = builder.Services.AddOpenTelemetry();
        if (otlp || options.Console)
        {
            // Only these exporters send a resource. Building one halves the cost of starting the SDK (about 75 of 150 ms
            // measured in a fresh ReadyToRun process), which EMF alone, on every Lambda cold start, does not pay.
            telemetry.ConfigureResource(resource => resource.AddService(TelemetryNames.Source));
            // On AWS, X-Ray gets API Gateway's and Lambda's own segments from active tracing; spans leave the app only here.
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource(TraceSources);
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }

                if (options.Console)
                {
                    tracing.AddConsoleExporter();
                }
            });
        }

        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(otlp || options.Console ? Meters : [TelemetryNames.Source]);
            if (otlp)
            {
                metrics.AddOtlpExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval);
            }

            if (options.Console)
            {
                metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = interval);
            }

            if (options.Emf)
            {
                // Delta: each line carries what happened since the last one, which is what CloudWatch sums per period.
                metrics.AddReader(new PeriodicExportingMetricReader(new EmfMetricExporter(System.Console.Out), interval)
                {
                    TemporalityPreference = MetricReaderTemporalityPreference.Delta,
                });
            }
        });
        if (options.Emf)
        {
            builder.Services.AddTransient<IStartupFilter, FlushMetricsAtRequestEnd>();
        }

        return builder;
    }

    /// <summary>
    /// The telemetry stages of the chat-client pipeline: gen_ai spans (prompts and answers only with
    /// <see cref="TelemetryOptions.IncludeMessageContent"/>) and ChatBot's model metrics.
    /// </summary>
    public static ChatClientBuilder UseChatBotTelemetry(this ChatClientBuilder builder) => builder
        // No logger: it would log every Stop (a cancellation) as a warning with a stack trace; ChatService logs model
        // failures itself, once, in the product's words.
        .Use((inner, services) => new OpenTelemetryChatClient(inner)
        {
            EnableSensitiveData = services.GetRequiredService<IOptions<TelemetryOptions>>().Value.IncludeMessageContent,
        })
        .Use(inner => new ModelMetricsChatClient(inner));

    /// <summary>Wraps the registered <typeparamref name="TService"/> (the last registration) in a decorator.</summary>
    private static void Decorate<TService>(this IServiceCollection services, Func<TService, TService> decorate)
        where TService : class
    {
        var index = services.Count - 1;
        while (index >= 0 && services[index].ServiceType != typeof(TService))
        {
            index--;
        }

        if (index < 0)
        {
            throw new InvalidOperationException($"{typeof(TService).Name} must be registered before telemetry decorates it.");
        }

        var inner = services[index];
        services[index] = ServiceDescriptor.Describe(
            typeof(TService),
            provider => decorate((TService)Resolve(provider, inner)),
            inner.Lifetime);
    }

    private static object Resolve(IServiceProvider provider, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);
}
