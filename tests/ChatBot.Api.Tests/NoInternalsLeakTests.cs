using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatBot.Api.Tests;

/// <summary>
/// Nothing internal reaches a user: no problem a client can provoke names a file path, an ARN, an AWS account id or a
/// .NET type. Users get advice and a trace id; the log has the full text under that id.
/// </summary>
public sealed class NoInternalsLeakTests : IClassFixture<SharedApp>
{
    private readonly ApiTestApp _app;

    public NoInternalsLeakTests(SharedApp shared) => _app = shared.App;

    /// <summary>Malformed requests on every route: bodies, types, query values, ids and identities a client can send.</summary>
    public static TheoryData<string, string, string?, string?> MalformedRequests()
    {
        var data = new TheoryData<string, string, string?, string?>();
        string[] bodies =
        [
            "{", "[]", "null", "\"text\"", "42", "{\"title\":5}", "{\"title\":{}}", "{\"title\":[1,2]}", "{\"/etc/passwd\":1}",
            "{\"title\":\"x\",\"title\":[1]}", "{\"content\":5}", "{\"content\":null}", "{\"content\":\"hi\",\"clientMessageId\":{}}",
            "{\"content\":\"hi\",\"clientMessageId\":\"../../etc/passwd\"}", "{\"title\":\"\\ud800\"}", new string('[', 100) + new string(']', 100),
            "{\"arn:aws:iam::123456789012:role/x\":true}", "\u0000",
        ];
        foreach (var body in bodies)
        {
            data.Add("POST", "/api/conversations", body, "application/json");
            data.Add("PATCH", "/api/conversations/{id}", body, "application/json");
            data.Add("POST", "/api/conversations/{id}/messages", body, "application/json");
        }

        foreach (var query in new[] { "limit=abc", "limit=99999999999", "limit=-1", "limit=1.5", "cursor=garbage", "cursor=%2Fetc%2Fpasswd", "cursor=arn:aws:s3:::bucket", "limit=C:%5Cwindows" })
        {
            data.Add("GET", "/api/conversations?" + query, null, null);
        }

        foreach (var id in new[] { "..%2F..%2Fetc%2Fpasswd", "%2Fvar%2Flib", "C:%5Cwindows", "arn:aws:dynamodb:us-west-2:123456789012:table%2Fx", new string('a', 300) })
        {
            data.Add("GET", "/api/conversations/" + id, null, null);
            data.Add("DELETE", "/api/conversations/" + id, null, null);
        }

        data.Add("POST", "/api/conversations", "title=x", "application/x-www-form-urlencoded");
        data.Add("POST", "/api/conversations/{id}/messages", "hello", "text/plain");
        data.Add("POST", "/api/conversations/{id}/messages", null, null);
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task MalformedRequest_GetsAProblem_ThatNamesNothingInternal(string method, string path, string? body, string? contentType)
    {
        var client = _app.ClientFor("leak-tester");
        var conversation = await client.CreateConversationAsync("target");
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", conversation.Id, StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var response = await client.SendAsync(request);

        Assert.True((int)response.StatusCode < 500, $"{method} {path} with {body}: {(int)response.StatusCode}");
        if (!response.IsSuccessStatusCode)
        {
            Problems.AssertNamesNothingInternal(await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("a#b")]
    [InlineData("/etc/passwd")]
    [InlineData("arn:aws:iam::123456789012:root")]
    public async Task RefusedIdentity_NamesNothingInternal(string user)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add("X-ChatBot-User", user);

        var response = await client.GetAsync("/api/conversations");

        Problems.AssertNamesNothingInternal(await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string> InternalFailures() =>
    [
        "store",
        "bedrock access denied",
        "openai endpoint",
        "bind",
        "unexpected",
    ];

    [Theory]
    [MemberData(nameof(InternalFailures))]
    public void FailuresWithInternalText_MapToAdviceOnly(string failure)
    {
        Exception exception = failure switch
        {
            "store" => new StoreUnavailableException("The conversation database at '/home/me/.local/share/chatbot/chatbot.db' is busy or cannot be written (5)."),
            "bedrock access denied" => new ModelException(ModelErrorKind.AccessDenied,
                "User: arn:aws:sts::123456789012:assumed-role/ChatBot-ApiFunctionRole/ChatBot-Api is not authorized to perform: bedrock:InvokeModelWithResponseStream"),
            "openai endpoint" => new ModelException(ModelErrorKind.Failed, "The model server at http://llama.chatbot.internal:8080/v1 answered HTTP 418: System.IO.IOException"),
            "bind" => new BadHttpRequestException("Failed to bind parameter \"Nullable<int> limit\" from \"/etc/passwd\"."),
            _ => new InvalidOperationException("ChatBot.Core.ChatService failed at /src/ChatBot.Core/ChatService.cs:42"),
        };

        var problem = ErrorMapping.ToProblem(exception);

        Problems.AssertNamesNothingInternal(System.Text.Json.JsonSerializer.Serialize(problem));
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
    }

    [Fact]
    public void BadParameter_IsNamed_ButNotItsType()
    {
        var problem = ErrorMapping.ToProblem(new BadHttpRequestException("Failed to bind parameter \"Nullable<int> limit\" from \"abc\"."));

        Assert.Equal("The value of 'limit' is not valid.", problem.Detail);
    }

    [Fact]
    public async Task ModelAccessDenied_TellsTheUserATraceId_AndLogsTheFullTextUnderIt()
    {
        const string awsText = "User: arn:aws:sts::123456789012:assumed-role/ChatBot-Api/fn is not authorized to perform: bedrock:InvokeModel";
        var logs = new CapturedLogs();
        using var app = new LoggingApp(new ScriptedChatClient { Failure = new ModelException(ModelErrorKind.AccessDenied, awsText) }, logs);
        var client = app.ClientFor("someone");
        var conversation = await client.CreateConversationAsync();

        var response = await client.SendJsonAsync(conversation.Id, new { content = "Hi" });

        var body = await response.Content.ReadAsStringAsync();
        Problems.AssertNamesNothingInternal(body);
        var traceId = JsonNode.Parse(body)!["traceId"]!.GetValue<string>();
        Assert.Contains(logs.Lines, line => line.Contains(traceId, StringComparison.Ordinal) && line.Contains(awsText, StringComparison.Ordinal));
    }

    private sealed class LoggingApp(Microsoft.Extensions.AI.IChatClient model, CapturedLogs logs) : ApiTestApp(model)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(logs)));
        }
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception) + " " + exception);
        }
    }
}
