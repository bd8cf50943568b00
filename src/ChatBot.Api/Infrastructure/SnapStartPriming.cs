using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// Lambda SnapStart snapshots the instance once its init is done, and every later cold start restores that snapshot. So
/// under SnapStart the init builds what the first request would otherwise build (the store's and the model's SDK
/// clients), to be restored rather than rebuilt. It opens no connection: none would survive a restore, and the app runs
/// under the Lambda Web Adapter, which offers no after-restore hook to re-open one. The context cache is left alone for
/// the same reason (its constructor connects; the stack sets Cache:Redis:ConnectAtStartup=false with SnapStart).
/// </summary>
public static class SnapStartPriming
{
    /// <summary>Lambda sets this environment variable to <c>snap-start</c> during a SnapStart init.</summary>
    public const string InitializationTypeKey = "AWS_LAMBDA_INITIALIZATION_TYPE";

    public static IHostApplicationBuilder AddSnapStartPriming(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration[InitializationTypeKey] == "snap-start")
        {
            builder.Services.RunAtStartup((services, cancellationToken) =>
            {
                _ = services.GetRequiredService<IConversationStore>();
                _ = services.GetRequiredService<IChatClient>();
                return Task.CompletedTask;
            });
        }

        return builder;
    }
}
