using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatBot.Core;

/// <summary>
/// The one way settings are checked: an <see cref="IValidateOptions{TOptions}"/> per options class that names each bad
/// setting and says what would work, run at startup so a bad value stops the app before its first request.
/// </summary>
public static class OptionsValidation
{
    /// <summary>Checks these options with <typeparamref name="TValidator"/> at startup (registered once however often this is called).</summary>
    public static OptionsBuilder<TOptions> ValidateWith<TOptions, TValidator>(this OptionsBuilder<TOptions> options)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        options.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return options.ValidateOnStart();
    }

    /// <summary>Adds "<paramref name="setting"/> must be between <paramref name="min"/> and <paramref name="max"/>." unless the value is.</summary>
    public static void CheckRange(this List<string> failures, string setting, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            failures.Add(FormattableString.Invariant($"{setting} must be between {min} and {max}."));
        }
    }

    /// <summary>The result for the failures found: success when there are none.</summary>
    public static ValidateOptionsResult ToResult(this List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
