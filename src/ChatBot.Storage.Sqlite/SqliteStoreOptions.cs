using ChatBot.Core;
using Microsoft.Extensions.Options;

namespace ChatBot.Storage.Sqlite;

/// <summary>Where the embedded store keeps its data, bound from <c>Storage:Sqlite</c>.</summary>
public sealed class SqliteStoreOptions
{
    public const string SectionName = "Sqlite";

    /// <summary>
    /// The database file. A relative path is resolved against the app's content root. Its folder is created if missing, and the
    /// cursor signing key is kept beside it.
    /// </summary>
    public string Path { get; set; } = ".data/chatbot.db";
}

/// <summary>Stops the app at startup when the database path is missing, naming the setting.</summary>
internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add("Storage:Sqlite:Path must name the database file, for example .data/chatbot.db.");
        }

        return failures.ToResult();
    }
}
