using ChatBot.Api.Conversations;
using ChatBot.Api.Identity;
using ChatBot.Api.Infrastructure;
using ChatBot.Api.Telemetry;
using ChatBot.Api.Usage;
using ChatBot.Core;
using ChatBot.Core.Usage;

// A setting or environment problem anywhere below, while building or starting, ends in one readable line per problem.
WebApplication? app = null;
try
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.ReportStartupErrorsReadably();

    builder.AddChatBotCore();
    // Per-user limits (in the store) and the model's fair gate; see README "Limits".
    builder.AddChatBotUsage();
    // Each adapter is chosen by configuration (Storage:Provider, Cache:Provider, Llm:Provider); see README "Configuration".
    builder.AddChatBotStorage();
    builder.AddChatBotCache();
    builder.AddChatBotModel();
    // Under Lambda SnapStart the SDK clients are built before the snapshot, so restored instances do not rebuild them.
    builder.AddSnapStartPriming();
    // Spans around the adapters above, and the exporters configured (none by default; EMF on AWS).
    builder.AddChatBotTelemetry();
    builder.AddChatBotIdentity();
    builder.AddChatBotHttp();
    builder.ListenOnLoopbackByDefault();

    app = builder.Build();

    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.UseHostFiltering();
    // Oversized bodies, URLs and headers are refused with a problem before anything reads them.
    app.UseRequestLimits();
    app.UseAuthentication();
    app.UseAuthorization();

    app.MapConversationsApi();
    app.MapUsageApi();
    app.MapWebApp();
    app.LogWhenReady();

    app.Run();
    return 0;
}
catch (Exception ex) when (StartupErrors.Readable(ex).Count > 0)
{
    return StartupErrors.Report(ex, app);
}

/// <summary>Exposed for WebApplicationFactory in the API tests.</summary>
public partial class Program;
