using System.ComponentModel.DataAnnotations;

namespace ChatBot.Storage.Sqlite;

/// <summary>Where the embedded store keeps its data, bound from <c>Storage:Sqlite</c>.</summary>
public sealed class SqliteStoreOptions
{
    public const string SectionName = "Sqlite";

    /// <summary>
    /// The database file. A relative path is resolved against the app's content root. Its folder is created if missing, and the
    /// cursor signing key is kept beside it.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Storage:Sqlite:Path must name the database file, for example .data/chatbot.db.")]
    public string Path { get; set; } = ".data/chatbot.db";
}
