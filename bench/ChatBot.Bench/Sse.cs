using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatBot.TestKit;

namespace ChatBot.Bench;

/// <summary>One Server-Sent Event and when it arrived, in ms after the request was sent.</summary>
public sealed record TimedEvent(string Name, string Data, double Ms);

/// <summary>A chat turn as a browser sends it: POST with Accept: text/event-stream, read event by event.</summary>
public static class Sse
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
    {
        Timeout = TimeSpan.FromMinutes(5),
    };

    public static async Task<string> CreateConversationAsync(HttpClient client, Uri baseAddress, string user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "api/conversations")) { Content = JsonContent.Create(new { title = "bench" }) };
        Identify(request, user);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Sends one turn and reads every event until the server ends the stream.</summary>
    public static async Task<List<TimedEvent>> TurnAsync(HttpClient client, Uri url, string user, string content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { content }) };
        Identify(request, user);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            return [new TimedEvent("http-" + (int)response.StatusCode, await response.Content.ReadAsStringAsync(), clock.Elapsed.TotalMilliseconds)];
        }

        var events = new List<TimedEvent>();
        await foreach (var item in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(new TimedEvent(item.Name, item.Data, clock.Elapsed.TotalMilliseconds));
        }

        return events;
    }

    /// <summary>
    /// Says who the caller is the way each auth mode reads it: <c>X-ChatBot-User</c> (Auth:Mode=Development) and the
    /// request context API Gateway's Cognito authorizer leaves for the Lambda Web Adapter to forward (Auth:Mode=ApiGateway).
    /// </summary>
    public static void Identify(HttpRequestMessage request, string user)
    {
        request.Headers.Add("X-ChatBot-User", user);
        request.Headers.Add("x-amzn-request-context", JsonSerializer.Serialize(new { authorizer = new { claims = new { sub = user } } }));
    }

    public static Uri TurnUrl(Uri baseAddress, string conversationId) => new(baseAddress, $"api/conversations/{conversationId}/messages");
}
