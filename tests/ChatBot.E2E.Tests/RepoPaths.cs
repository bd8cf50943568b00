namespace ChatBot.E2E.Tests;

/// <summary>Where the repository, the built web app and the test artifacts are, found from the test binary.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string WebDist => Path.Combine(Root, "frontend", "dist");

    /// <summary>Screenshots and failure captures; TestResults/ is git-ignored.</summary>
    public static string Artifacts(string kind)
    {
        var path = Path.Combine(Root, "TestResults", kind);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"ChatBot.sln was not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
