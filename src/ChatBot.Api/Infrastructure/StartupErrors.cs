using ChatBot.Llm.LlamaSharp.Download;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// Startup failures whose messages already say what to set and how: for these a stack trace would only hide the fix.
/// The host throws an AggregateException when several options fail at once, so all of them are unwrapped.
/// </summary>
public static class StartupErrors
{
    /// <summary>One line per problem, or none when <paramref name="exception"/> is not (only) a configuration problem.</summary>
    public static IReadOnlyList<string> Readable(Exception exception)
    {
        var inner = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [exception];
        var lines = new List<string>();
        foreach (var error in inner)
        {
            switch (error)
            {
                case OptionsValidationException invalid:
                    lines.AddRange(invalid.Failures);
                    break;
                case ModelDownloadException download:
                    lines.Add(download.Message);
                    break;
                default:
                    return [];
            }
        }

        return lines;
    }
}
