using System.Text.RegularExpressions;
using ChatBot.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Infrastructure;

/// <summary>
/// One story for every configuration or environment problem found at startup: one line per problem,
/// <c>ChatBot cannot start: ...</c>, naming the setting, the bad value and what would work; exit code 1; the stack
/// trace only in the Debug log. To add a refusal, throw <see cref="StartupException"/> (or fail options validation);
/// this class also reads the few framework exceptions that are configuration problems in disguise.
/// </summary>
public static partial class StartupErrors
{
    public const string Prefix = "ChatBot cannot start: ";

    /// <summary>The host logs a failed start with the whole exception; Program reports it instead (see <see cref="Report"/>).</summary>
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>
    /// Leaves reporting a failed start to <see cref="Report"/>: the host would otherwise log every startup problem at Error
    /// with its stack trace, before the readable line. Failures while running still reach the log (Critical).
    /// </summary>
    public static WebApplicationBuilder ReportStartupErrorsReadably(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter(HostCategory, LogLevel.Critical);
        return builder;
    }

    /// <summary>One line per problem, or none when <paramref name="exception"/> is not (only) a configuration or environment problem.</summary>
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
                case StartupException startup:
                    lines.Add(startup.Message);
                    break;
                case InvalidOperationException when UnconvertibleSetting(error.Message) is { } line:
                    lines.Add(line);
                    break;
                case IOException { InnerException: AddressInUseException } when AddressInUse(error.Message) is { } line:
                    lines.Add(line);
                    break;
                default:
                    return [];
            }
        }

        return lines;
    }

    /// <summary>
    /// Prints each problem of a <see cref="Readable"/> exception as one line on stderr and logs the exception at Debug
    /// (through the app's logging when it got that far). Any other exception stays unhandled, with its stack trace.
    /// Returns the process exit code.
    /// </summary>
    public static int Report(Exception exception, WebApplication? app)
    {
        foreach (var problem in Readable(exception))
        {
            Console.Error.WriteLine(Prefix + problem);
        }

        if (app is not null)
        {
            LogTrace(app.Logger, exception);
        }

        return 1;
    }

    /// <summary>
    /// The configuration binder's failure, such as <c>Llm:LlamaSharp:ContextSize=abc</c> for an int or <c>Auth:Mode=Bogus</c> for an
    /// enum, rewritten to name what the setting accepts.
    /// </summary>
    private static string? UnconvertibleSetting(string message)
    {
        var match = BinderFailure().Match(message);
        if (!match.Success)
        {
            return null;
        }

        var (value, key, typeName) = (match.Groups["value"].Value, match.Groups["key"].Value, match.Groups["type"].Value);
        var type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        var valid = type switch
        {
            { IsEnum: true } => "Use one of: " + string.Join(", ", Enum.GetNames(type)),
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "Use a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "Use a number, such as 0.7",
            _ when type == typeof(bool) => "Use true or false",
            _ when type == typeof(TimeSpan) => "Use a duration, such as 00:00:30 for 30 seconds",
            _ => $"Use a value of type {type?.Name ?? typeName}",
        };
        return $"{key} is '{value}', which is not valid. {valid}.";
    }

    private static string? AddressInUse(string message) => BindFailure().Match(message) is { Success: true } match
        ? $"--urls (ASPNETCORE_URLS) is '{match.Groups["address"].Value}', but another program already listens there. " +
          "Stop it, or pick a free port: --urls http://127.0.0.1:<port> (with ./run.sh: PORT=<port> ./run.sh)."
        : null;

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();

    [GeneratedRegex(@"^Failed to bind to address (?<address>\S+?):? address already in use")]
    private static partial Regex BindFailure();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Startup failed")]
    private static partial void LogTrace(ILogger logger, Exception exception);
}
