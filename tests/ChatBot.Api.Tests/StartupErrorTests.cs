using System.Net;
using System.Net.Sockets;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.Api.Tests;

/// <summary>
/// Every setting or environment problem found at startup, on the built app as its own process: exactly one line
/// "ChatBot cannot start: ..." that names the setting, its value and what would work, exit code 1, and no stack trace.
/// </summary>
public sealed class StartupErrorTests
{
    private const string Loopback = "http://127.0.0.1:0";

    /// <summary>Runs the app and returns the one readable line, after checking the story around it.</summary>
    private static async Task<string> RefusalAsync(Dictionary<string, string> environment, string urls = Loopback) =>
        (await RefusalWithOutputAsync(environment, urls)).Line;

    private static async Task<(string Line, string Output)> RefusalWithOutputAsync(Dictionary<string, string> environment, string urls)
    {
        var (exitCode, output) = await StartupGuardTests.RunApiAsync(environment, "--urls", urls);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.True(exitCode == 1, $"Exit code {exitCode}, output:\n{output}");
        Assert.DoesNotContain(lines, line => line.StartsWith("at ", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        return (Assert.Single(lines, line => line.StartsWith("ChatBot cannot start: ", StringComparison.Ordinal)), output);
    }

    [Theory]
    [InlineData("Storage__Provider", "Storage:Provider is 'Bogus', which is not supported. Use one of: Sqlite, DynamoDb.")]
    [InlineData("Cache__Provider", "Cache:Provider is 'Bogus', which is not supported. Use one of: Memory, Redis.")]
    [InlineData("Llm__Provider", "Llm:Provider is 'Bogus', which is not supported. Use one of: LlamaSharp, Bedrock, OpenAI.")]
    [InlineData("Auth__Mode", "Auth:Mode is 'Bogus', which is not valid. Use one of: Development, Jwt, ApiGateway.")]
    public async Task UnknownProvider_OrMode_ListsTheValidValues(string setting, string expected) =>
        Assert.Equal("ChatBot cannot start: " + expected, await RefusalAsync(new() { [setting] = "Bogus" }));

    [Fact]
    public async Task NumberSetting_NotANumber_SaysSo() =>
        Assert.Equal(
            "ChatBot cannot start: Llm:LlamaSharp:ContextSize is 'abc', which is not valid. Use a whole number.",
            await RefusalAsync(new() { ["Llm__LlamaSharp__ContextSize"] = "abc" }));

    [Fact]
    public async Task DynamoDbTableName_TooShort_GivesDynamoDbsRule()
    {
        var line = await RefusalAsync(new()
        {
            ["Storage__Provider"] = "DynamoDb",
            ["Storage__DynamoDb__TableName"] = "ab",
            ["Storage__DynamoDb__ServiceUrl"] = "http://127.0.0.1:1",
        });

        Assert.Contains("Storage:DynamoDb:TableName is 'ab', which DynamoDB does not accept: use 3 to 255 letters", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelPath_NotAGgufFile_SaysSoBeforeLlamaCppTries()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "not a model", TestContext.Current.CancellationToken);
        try
        {
            var line = await RefusalAsync(new() { ["Llm__LlamaSharp__ModelPath"] = file });

            Assert.Contains($"Llm:LlamaSharp:ModelPath is '{file}', which is not a GGUF model", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ModelDownload_Offline_IsOneLineWithoutTheHttpClientsTraces()
    {
        var cache = Directory.CreateTempSubdirectory("chatbot-model-cache-").FullName;
        try
        {
            var line = await RefusalAsync(new()
            {
                ["Llm__LlamaSharp__ModelPath"] = "",
                ["Llm__LlamaSharp__CacheDirectory"] = cache,
                ["Llm__LlamaSharp__DownloadUrl"] = $"http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}/model.gguf",
            });

            Assert.Contains("Could not download the model", line, StringComparison.Ordinal);
            Assert.Contains("Llm:LlamaSharp:ModelPath", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public async Task Port_AlreadyInUse_NamesTheAddressAndHowToPickAnother()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)busy.LocalEndpoint).Port}";

        var line = await RefusalAsync([], url);

        Assert.Contains($"--urls (ASPNETCORE_URLS) is '{url}', but another program already listens there", line, StringComparison.Ordinal);
        Assert.Contains("PORT=<port> ./run.sh", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevelopmentMode_OnEveryInterface_RefusesBeforeListening()
    {
        var (line, output) = await RefusalWithOutputAsync(new() { ["Auth__Mode"] = "Development" }, "http://0.0.0.0:0");

        Assert.StartsWith("ChatBot cannot start: Auth:Mode=Development trusts the X-ChatBot-User header", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening on", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RelativeModelPath_IsRelativeToTheDirectoryTheAppWasStartedIn()
    {
        var folder = Directory.CreateTempSubdirectory("chatbot-cwd-").FullName;
        try
        {
            var start = StartupGuardTests.ApiProcess(new Dictionary<string, string> { ["Llm__LlamaSharp__ModelPath"] = "models/missing.gguf" }, "--urls", Loopback);
            start.WorkingDirectory = folder;
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) +
                await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(1, process.ExitCode);
            Assert.Contains($"(full path: '{Path.Combine(folder, "models", "missing.gguf")}')", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
