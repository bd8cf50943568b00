using System.ComponentModel.DataAnnotations;
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

    /// <summary>Checks the nested limits and prices too (data annotations alone stop at the top level), naming each setting.</summary>
    private sealed class UsageOptionsValidator : IValidateOptions<UsageOptions>
    {
        public ValidateOptionsResult Validate(string? name, UsageOptions options)
        {
            var failures = new List<string>();
            Check(options, UsageOptions.SectionName, failures);
            Check(options.Limits, $"{UsageOptions.SectionName}:Limits", failures);
            foreach (var (model, price) in options.Prices)
            {
                Check(price, $"{UsageOptions.SectionName}:Prices:{model}", failures);
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static void Check(object value, string section, List<string> failures)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => r.MemberNames.Any()
                    ? $"{section}:{string.Join(", ", r.MemberNames)} is out of range: {r.ErrorMessage}"
                    : $"{section}: {r.ErrorMessage}"));
            }
        }
    }
}
