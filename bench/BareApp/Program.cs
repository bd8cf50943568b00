using System.Text;
using System.Text.Json;

// Same host kind as ChatBot.Api (the slim builder), so the cold-start ratio measures ChatBot's work, not the host's.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddHttpClient();
var app = builder.Build();

app.MapGet("/api/health", () => TypedResults.Ok(new { status = "ok" }));

// A turn without ChatBot: stream the same upstream model (Upstream, an OpenAI-compatible endpoint) to the client as
// the same SSE events (user, delta per chunk, done), with nothing stored. The load benchmark compares against this.
app.MapPost("/api/turn", async (HttpContext context, IHttpClientFactory clients, IConfiguration configuration) =>
{
    var request = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
    var content = request.GetProperty("content").GetString() ?? "";
    var upstream = new Uri(configuration["Upstream"] ?? throw new InvalidOperationException("Set Upstream to an OpenAI-compatible /v1/ URL."));
    var body = JsonSerializer.Serialize(new { model = "bare", stream = true, messages = new[] { new { role = "user", content } } });
    using var upstreamRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(upstream, "chat/completions"))
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };
    using var upstreamResponse = await clients.CreateClient().SendAsync(upstreamRequest, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);

    context.Response.ContentType = "text/event-stream; charset=utf-8";
    await WriteEventAsync(context.Response, "user", JsonSerializer.Serialize(new { role = "user", content }));
    var answer = new StringBuilder();
    using var reader = new StreamReader(await upstreamResponse.Content.ReadAsStreamAsync(context.RequestAborted));
    while (await reader.ReadLineAsync(context.RequestAborted) is { } line)
    {
        if (!line.StartsWith("data: {", StringComparison.Ordinal))
        {
            continue;
        }

        using var chunk = JsonDocument.Parse(line.AsMemory("data: ".Length));
        if (chunk.RootElement.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
            && choices[0].GetProperty("delta").TryGetProperty("content", out var text) && text.GetString() is { Length: > 0 } piece)
        {
            answer.Append(piece);
            await WriteEventAsync(context.Response, "delta", JsonSerializer.Serialize(new { text = piece }));
        }
    }

    await WriteEventAsync(context.Response, "done", JsonSerializer.Serialize(new { role = "assistant", content = answer.ToString() }));
});

app.Run();

static async Task WriteEventAsync(HttpResponse response, string name, string json)
{
    await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n"));
    await response.Body.FlushAsync();
}
