using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.TestKit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Api.Tests;

/// <summary>
/// The real app with real adapters; only the edges a test names are swapped. Each instance has its own data folder, so
/// tests don't see each other's conversations.
/// </summary>
public class ApiTestApp : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory;
    private readonly bool _ownsDataDirectory;
    private readonly Dictionary<string, string?> _settings;
    private readonly IChatClient? _model;

    public ApiTestApp(IChatClient? model = null, IReadOnlyDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        _model = model;
        _ownsDataDirectory = dataDirectory is null;
        _dataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("chatbot-api-").FullName;
        _settings = TestAppSettings.Local(_dataDirectory);
        // A null value leaves the setting out, as an unset environment variable would.
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                _settings.Remove(key);
            }
            else
            {
                _settings[key] = value;
            }
        }
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Where this app keeps its SQLite store, for tests that read it raw.</summary>
    public string DataDirectory => _dataDirectory;

    public HttpClient ClientFor(string user)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-ChatBot-User", user);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_model is not null)
        {
            builder.ConfigureTestServices(services => services.AddChatClient(_model));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDataDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}

public sealed record ConversationDto(string Id, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, List<MessageDto>? Messages);

public sealed record MessageDto(string Id, string Role, string Content, DateTimeOffset CreatedAt, string Status, string? ClientMessageId, UsageDto? Usage);

public sealed record UsageDto(int InputTokens, int OutputTokens);

public sealed record ConversationListDto(List<ConversationDto> Items, string? NextCursor);

public sealed record TurnDto(MessageDto User, MessageDto Assistant);


public static class ApiClientExtensions
{
    public static async Task<ConversationDto> CreateConversationAsync(this HttpClient client, string? title = null)
    {
        var response = await client.PostAsJsonAsync("/api/conversations", new { title });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ConversationDto>(ApiTestApp.Json))!;
    }

    public static async Task<ConversationDto> GetConversationAsync(this HttpClient client, string id) =>
        (await client.GetFromJsonAsync<ConversationDto>($"/api/conversations/{id}", ApiTestApp.Json))!;

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, string conversationId, object body) =>
        client.PostAsJsonAsync($"/api/conversations/{conversationId}/messages", body);

    /// <summary>Posts a message asking for SSE and reads every event until the server ends the stream.</summary>
    public static async Task<List<ServerSentEvent>> SendStreamingAsync(this HttpClient client, string conversationId, object body)
    {
        using var response = await client.SendAsync(StreamingRequest(conversationId, body), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<ServerSentEvent>();
        await foreach (var item in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(item);
        }

        return events;
    }

    public static HttpRequestMessage StreamingRequest(string conversationId, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{conversationId}/messages")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    /// <summary>An event's data as the API's JSON.</summary>
    public static T Read<T>(this ServerSentEvent item) => JsonSerializer.Deserialize<T>(item.Data, ApiTestApp.Json)!;
}
