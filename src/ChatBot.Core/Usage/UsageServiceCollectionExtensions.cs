using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Usage;

public static class UsageServiceCollectionExtensions
{
    /// <summary>
    /// Per-user limits and the model's fair gate (<c>Usage</c> section). The usage store itself is registered by the
    /// storage adapter, next to the conversation store it shares a database with.
    /// </summary>
    public static IHostApplicationBuilder AddChatBotUsage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UsageOptions>()
            .Bind(builder.Configuration.GetSection(UsageOptions.SectionName))
            .ValidateWith<UsageOptions, UsageOptionsValidator>();
        builder.Services.AddSingleton<UsageLimiter>();
        builder.Services.AddSingleton(provider => new FairGate(provider.GetRequiredService<IOptions<UsageOptions>>().Value.ModelSlots));
        return builder;
    }
}
