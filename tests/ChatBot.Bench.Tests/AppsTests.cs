using System.Runtime.InteropServices;
using ChatBot.Bench;

namespace ChatBot.Bench.Tests;

/// <summary>The quick run starts the apps' build outputs: only ones this machine can run.</summary>
public sealed class AppsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chatbot-bench-apps-").FullName;

    private string Output(string project, string rid, string executable, DateTime written)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, project, "bin", "Release", "net10.0", rid)).FullName;
        var file = Path.Combine(folder, executable);
        File.WriteAllText(file, "");
        File.SetLastWriteTimeUtc(file, written);
        return folder;
    }

    [Fact]
    public void FromBuildOutputs_ANewerBuildForAnotherPlatform_IsPassedOver()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var other = rid.EndsWith("arm64", StringComparison.Ordinal) ? "linux-x64" : "linux-arm64";
        var api = Output("src/ChatBot.Api", rid, "ChatBot.Api", DateTime.UtcNow.AddHours(-1));
        Output("src/ChatBot.Api", other, "ChatBot.Api", DateTime.UtcNow);
        Output("src/ChatBot.Api", Path.Combine(rid, "publish"), "ChatBot.Api", DateTime.UtcNow);
        var bare = Output("bench/BareApp", rid, "BareApp", DateTime.UtcNow.AddHours(-1));
        Output("bench/BareApp", other, "BareApp", DateTime.UtcNow);

        var apps = Apps.FromBuildOutputs(_root);

        Assert.Equal(api, apps.ChatBotFolder);
        Assert.Equal(bare, apps.BareFolder);
    }

    [Fact]
    public void FromBuildOutputs_OnlyAnotherPlatformsBuild_SaysWhatToBuild()
    {
        Output("src/ChatBot.Api", "linux-riscv64", "ChatBot.Api", DateTime.UtcNow);
        Output("bench/BareApp", "linux-riscv64", "BareApp", DateTime.UtcNow);

        var error = Assert.Throws<InvalidOperationException>(() => Apps.FromBuildOutputs(_root));

        Assert.Contains($"No {RuntimeInformation.RuntimeIdentifier} build output of src/ChatBot.Api", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
