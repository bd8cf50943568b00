namespace ChatBot.Bench;

/// <summary>One temporary folder for the run's databases and model files, deleted when the run ends.</summary>
public static class Scratch
{
    private static readonly Lazy<string> Folder = new(() => Directory.CreateTempSubdirectory("chatbot-bench-").FullName);

    public static string NewPath(string extension) => Path.Combine(Folder.Value, Guid.NewGuid().ToString("N") + extension);

    public static void Delete()
    {
        if (Folder.IsValueCreated)
        {
            Directory.Delete(Folder.Value, recursive: true);
        }
    }
}
