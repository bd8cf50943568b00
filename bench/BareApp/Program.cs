using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

// Same host kind as ChatBot.Api (the slim builder), so the cold-start ratio measures ChatBot's work, not the host's.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddHttpClient();
var app = builder.Build();

app.MapGet("/api/health", () => TypedResults.Ok(new { status = "ok" }));

// A turn without ChatBot: stream the same upstream model (Upstream, an OpenAI-compatible endpoint) to the client as
// the same SSE events (user, delta per chunk, done), with nothing stored. The load benchmark keeps it as context.
app.MapPost("/api/turn", (HttpContext context, IHttpClientFactory clients, IConfiguration configuration) =>
    RelayAsync(context, clients, configuration, store: null));

// The same turn with ChatBot's durable writes and model request, and nothing else: the user's message committed before
// the model is called, the answer committed after it, each in its own transaction on a SQLite file opened with ChatBot's
// settings (Storage:Sqlite: WAL, synchronous=NORMAL, pooled connections, 30 s busy timeout); the model gets what ChatBot
// sends it by default (Chat:SystemPrompt, the last Chat:HistoryMessages messages, kept in memory as ChatBot's
// in-process cache keeps them, then the new one), so the model's own work is the same on both sides. The load
// benchmark's baseline.
var store = builder.Configuration["Sqlite"] is { Length: > 0 } path ? new TurnStore(path) : null;
app.MapPost("/api/stored-turn", (HttpContext context, IHttpClientFactory clients, IConfiguration configuration) =>
    store is null ? Task.FromResult(Results.Problem("Set Sqlite to a database file path.")) : RelayAsync(context, clients, configuration, store));

app.Run();

static async Task<IResult> RelayAsync(HttpContext context, IHttpClientFactory clients, IConfiguration configuration, TurnStore? store)
{
    var request = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body);
    var content = request.GetProperty("content").GetString() ?? "";
    var user = context.Request.Headers["X-ChatBot-User"].ToString();
    if (store is not null)
    {
        await store.AddAsync(user, "user", content, context.RequestAborted);
    }

    var upstream = new Uri(configuration["Upstream"] ?? throw new InvalidOperationException("Set Upstream to an OpenAI-compatible /v1/ URL."));
    var messages = store is null ? [new ModelMessage("user", content)] : store.Prompt(user, content);
    var body = JsonSerializer.Serialize(new { model = "bare", stream = true, messages });
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

    if (store is not null)
    {
        await store.AddAsync(user, "assistant", answer.ToString(), context.RequestAborted);
        store.Remember(user, content, answer.ToString());
    }

    await WriteEventAsync(context.Response, "done", JsonSerializer.Serialize(new { role = "assistant", content = answer.ToString() }));
    return Results.Empty;
}

static async Task WriteEventAsync(HttpResponse response, string name, string json)
{
    await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n"));
    await response.Body.FlushAsync();
}

internal sealed record ModelMessage(string role, string content);

/// <summary>One row per message, written the way ChatBot's SQLite store writes (see the endpoint's comment).</summary>
internal sealed class TurnStore
{
    private const string SystemPrompt = "You are ChatBot, a helpful and concise assistant. Answer in Markdown.";
    private const int HistoryMessages = 20;

    private readonly string _connectionString;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<ModelMessage>> _recent = new(StringComparer.Ordinal);

    public TurnStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(path),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var schema = connection.CreateCommand();
        schema.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS messages (
                user_id    TEXT    NOT NULL,
                id         INTEGER PRIMARY KEY,
                role       TEXT    NOT NULL,
                content    TEXT    NOT NULL,
                created_at INTEGER NOT NULL
            );
            """;
        schema.ExecuteNonQuery();
    }

    public async Task AddAsync(string user, string role, string content, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var sync = connection.CreateCommand())
        {
            sync.CommandText = "PRAGMA synchronous = NORMAL";
            await sync.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO messages (user_id, role, content, created_at) VALUES ($user, $role, $content, $created)";
        insert.Parameters.AddWithValue("$user", user);
        insert.Parameters.AddWithValue("$role", role);
        insert.Parameters.AddWithValue("$content", content);
        insert.Parameters.AddWithValue("$created", DateTime.UtcNow.Ticks);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The system prompt, the user's last messages and the new one.</summary>
    public ModelMessage[] Prompt(string user, string content)
    {
        var recent = _recent.GetOrAdd(user, _ => []);
        lock (recent)
        {
            return [new("system", SystemPrompt), .. recent, new("user", content)];
        }
    }

    public void Remember(string user, string question, string answer)
    {
        var recent = _recent.GetOrAdd(user, _ => []);
        lock (recent)
        {
            recent.Add(new("user", question));
            recent.Add(new("assistant", answer));
            if (recent.Count > HistoryMessages)
            {
                recent.RemoveRange(0, recent.Count - HistoryMessages);
            }
        }
    }
}
