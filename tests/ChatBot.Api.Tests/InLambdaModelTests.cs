using Amazon.Runtime;
using ChatBot.TestKit;
using ChatBot.TestKit.LocalServers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Api.Tests;

/// <summary>
/// llm=lambda, the model inside the Lambda function: the API starts with Llm:LlamaSharp:ModelS3Uri, copies the GGUF from
/// S3 (here s3rver) to Llm:LlamaSharp:ModelPath (on Lambda /tmp/model.gguf), loads it and answers with it.
/// </summary>
public sealed class InLambdaModelTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IDisposable
{
    private static readonly byte[] Model = TinyGgufModel.Create();

    private readonly DirectoryInfo _tmp = Directory.CreateTempSubdirectory("chatbot-lambda-tmp-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string ModelPath => Path.Combine(_tmp.FullName, "model.gguf");

    public void Dispose() => _tmp.Delete(recursive: true);

    [Fact]
    public async Task Startup_WithModelS3Uri_CopiesTheModelFromS3AndAnswersWithIt()
    {
        var uri = await s3.PutAsync($"{Guid.NewGuid():N}/qwen.gguf", Model, Ct);
        using var app = new InLambdaApp(Settings(uri));
        var client = app.ClientFor("alice");

        var conversation = await client.CreateConversationAsync();
        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.Equal(Model, await File.ReadAllBytesAsync(ModelPath, Ct));
        Assert.True(events.Count(e => e.Name == "delta") > 1, string.Join(" | ", events.Select(e => e.Name + " " + e.Data)));
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, events[^1].Read<MessageDto>().Content);
    }

    [Fact]
    public async Task Startup_WhenTheCopyFromAnEarlierStartIsComplete_KeepsItInsteadOfCopyingAgain()
    {
        var uri = await s3.PutAsync($"{Guid.NewGuid():N}/qwen.gguf", Model, Ct);
        using (var first = new InLambdaApp(Settings(uri)))
        {
            await first.CreateClient().GetAsync("/api/health", Ct);
        }

        // A copy made again would be a new file, written now.
        var longAgo = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(ModelPath, longAgo);
        using var second = new InLambdaApp(Settings(uri));
        var client = second.ClientFor("alice");
        var conversation = await client.CreateConversationAsync();
        var events = await client.SendStreamingAsync(conversation.Id, new { content = "Hi" });

        Assert.Equal(longAgo, File.GetLastWriteTimeUtc(ModelPath));
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, events[^1].Read<MessageDto>().Content);
    }

    [Fact]
    public async Task Startup_WhenTheModelObjectIsMissing_StopsWithOneReadableLine()
    {
        // The published app, configured only by environment variables and signing with environment credentials, as on Lambda.
        var (exitCode, output) = await StartupGuardTests.RunApiAsync(new Dictionary<string, string>
        {
            ["Llm__LlamaSharp__ModelS3Uri"] = $"s3://{S3rverFixture.Bucket}/no-such-model.gguf",
            ["Llm__LlamaSharp__ModelS3ServiceUrl"] = s3.ServiceUrl,
            ["Llm__LlamaSharp__ModelPath"] = ModelPath,
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
            ["AWS_REGION"] = "us-east-1",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains(
            "ChatBot cannot start: The model s3://models/no-such-model.gguf does not exist (S3 answered 404 NoSuchKey or NoSuchBucket). " +
            "Check Llm:LlamaSharp:ModelS3Uri, or upload the model there.",
            output,
            StringComparison.Ordinal);
        Assert.False(File.Exists(ModelPath));
    }

    private Dictionary<string, string?> Settings(string uri) => new()
    {
        ["Llm:LlamaSharp:ModelS3Uri"] = uri,
        ["Llm:LlamaSharp:ModelS3ServiceUrl"] = s3.ServiceUrl,
        ["Llm:LlamaSharp:ModelPath"] = ModelPath,
    };

    /// <summary>The app signing its S3 requests with the key pair s3rver accepts.</summary>
    private sealed class InLambdaApp(Dictionary<string, string?> settings) : ApiTestApp(settings: settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<AWSCredentials>(S3rverFixture.Credentials));
        }
    }
}
