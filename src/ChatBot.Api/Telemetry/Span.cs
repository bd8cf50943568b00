using System.Diagnostics;

namespace ChatBot.Api.Telemetry;

/// <summary>Starts one of ChatBot's internal spans; null (and free) when no tracer listens.</summary>
internal static class Span
{
    public static Activity? Start(string name) => ChatBotTelemetry.Source.StartActivity(name, ActivityKind.Internal);
}
