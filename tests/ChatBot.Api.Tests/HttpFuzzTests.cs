using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Data.Sqlite;

namespace ChatBot.Api.Tests;

/// <summary>
/// Random and malformed requests (methods, paths, ids, query strings, content types, Accept headers, identities, bodies) at
/// every route, in every identity mode. Whatever arrives: never a 5xx, every error is application/problem+json that names
/// nothing internal (no path, ARN, account id or .NET type), and after every 4xx the store is unchanged. Requests go to real Kestrel. Cases per mode: CHATBOT_FUZZ_CASES (default 400), so the
/// suite stays within about a minute in the test command.
/// </summary>
public sealed class HttpFuzzTests
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Tokens = new();

    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("CHATBOT_FUZZ_CASES"), out var cases) ? cases : 400;

    public enum IdentityMode
    {
        Development,
        Jwt,
        ApiGateway,
    }

    [Theory]
    [InlineData(IdentityMode.Development)]
    [InlineData(IdentityMode.Jwt)]
    [InlineData(IdentityMode.ApiGateway)]
    public async Task AnyRequest_IsNever5xx_ErrorsAreProblems_AndA4xxChangesNothing(IdentityMode mode)
    {
        using var app = CreateApp(mode);

        // Real Kestrel, not the in-memory test server: the server's own parsing and limits are part of what a client meets.
        app.UseKestrel(0);
        app.StartServer();
        var seeded = await SeedAsync(app, mode);
        var failures = new List<string>();
        var tried = 0;

        var property = Prop.ForAll(Requests(seeded).ToArbitrary(), fuzz =>
        {
            tried++;
            string? failure;
            try
            {
                failure = CheckAsync(app, mode, fuzz).GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                failure = $"{ex.GetType().Name}: {ex.Message} for {fuzz}";
            }

            if (failure is not null)
            {
                failures.Add(failure);
            }

            return failure is null;
        });
        Check.One(Config.Quick.WithMaxTest(Cases).WithQuietOnSuccess(true), property);

        TestContext.Current.TestOutputHelper?.WriteLine($"{tried} requests in {mode} mode");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(tried >= Cases, $"Only {tried} of {Cases} requests ran.");
    }

    /// <summary>One generated request. Ids in paths come from the seeded conversation, a random valid id, or junk.</summary>
    public sealed record FuzzRequest(string Method, string Path, string? ContentType, string? Accept, Identity Who, byte[]? Body)
    {
        public override string ToString() =>
            $"{Method} {(Path.Length > 200 ? Path[..200] + "…" : Path)} ct={ContentType ?? "-"} accept={Accept ?? "-"} who={Who} body={(Body is null ? "-" : Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 120))))}";
    }

    public enum Identity
    {
        Valid,
        Missing,
        Garbage,
    }

    private static async Task<string?> CheckAsync(ApiTestApp app, IdentityMode mode, FuzzRequest fuzz)
    {
        var before = Fingerprint(app);
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), fuzz.Path);
        if (fuzz.Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = null;
            if (fuzz.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        if (fuzz.Accept is { } accept)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        AddIdentity(request, mode, fuzz.Who);
        using var response = await app.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var responseBody = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        if (status >= 500)
        {
            return $"{status} for {fuzz}";
        }

        // Kestrel itself refuses a request line or headers it cannot parse (a NUL in the path, say) before the app runs; those
        // answers have no body and close the connection, and no app code can change that.
        var refusedByServer = status is 400 or 414 or 431 && response.Headers.ConnectionClose == true && response.Content.Headers.ContentLength == 0;
        if (status >= 400 && mediaType != "application/problem+json" && !refusedByServer)
        {
            return $"{status} as {mediaType ?? "no content type"} for {fuzz}";
        }

        if (mediaType == "application/problem+json" && responseBody.Length > 0 && NamesSomethingInternal(responseBody) is { } leak)
        {
            return $"{status} {leak} for {fuzz}";
        }

        if (status >= 400 && Fingerprint(app) != before)
        {
            return $"{status} changed the store for {fuzz}";
        }

        return null;
    }

    private static string? NamesSomethingInternal(string problemJson)
    {
        try
        {
            Problems.AssertNamesNothingInternal(problemJson);
            return null;
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            return ex.Message;
        }
    }

    private static Gen<FuzzRequest> Requests(Seeded seeded)
    {
        var junkSegment = Gen.Elements("x", "..", "%2e%2e", "%00", "%E2%80%AE", "ZZZZ", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde",
            new string('a', 300), "%F0%9F%98%80", "a%2Fb", "~", "index.html", " ", "%20");
        var id = Gen.Frequency(
            (5, Gen.Constant(seeded.ConversationId)),
            (2, Gen.Constant(seeded.OtherUsersConversationId)),
            (2, Gen.Constant(ChatBot.Core.Ids.New(DateTimeOffset.UtcNow))),
            (3, junkSegment));
        var query = Gen.Elements("", "?limit=1", "?limit=0", "?limit=-5", "?limit=abc", "?limit=99999999999", "?cursor=garbage", "?cursor=", "?limit=1&limit=2",
            "?cursor=" + new string('Q', 2000), "?%00=%00", "?limit=1&cursor=eyJ9");
        var path = Gen.OneOf(
            Gen.Constant("/api/health"),
            query.Select(q => "/api/conversations" + q),
            query.Select(q => "/api/conversations/" + q),
            id.Select(i => $"/api/conversations/{i}"),
            id.Select(i => $"/api/conversations/{i}/messages"),
            id.Select(i => $"/api/conversations/{i}/regenerate"),
            Gen.Zip(id, junkSegment).Select(p => $"/api/conversations/{p.Item1}/{p.Item2}"),
            junkSegment.Select(s => $"/api/{s}"),
            Gen.Constant("/api"),
            Gen.Constant("/api/"));
        var method = Gen.Frequency(
            (6, Gen.Elements("GET", "POST", "PATCH", "DELETE")),
            (2, Gen.Elements("PUT", "HEAD", "OPTIONS", "TRACE")),
            (1, Gen.Elements("FOO", "CONNECTX", "get")));
        var contentType = Gen.Frequency(
            (6, Gen.Constant<string?>("application/json")),
            (3, Gen.Elements<string?>(null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/json; charset=utf-16", "application/problem+json", "garbage", "application/json; charset=nonsense", "*/*")));
        var accept = Gen.Elements<string?>(null, "*/*", "application/json", "text/event-stream", "text/html", "application/xml", "garbage;;q=x", "text/event-stream, */*;q=0.1");
        var who = Gen.Frequency((8, Gen.Constant(Identity.Valid)), (1, Gen.Constant(Identity.Missing)), (1, Gen.Constant(Identity.Garbage)));
        return from m in method
               from p in path
               from c in contentType
               from a in accept
               from w in who
               from b in Bodies()
               select new FuzzRequest(m, p, c, a, w, b);
    }

    private static Gen<byte[]?> Bodies()
    {
        var text = Gen.Elements("", "hi", "é👍\u202E\u200B", "\0", "\u0007\u001B[31mred\r\nX-Injected: 1", new string('a', 17 * 1024), string.Concat(Enumerable.Repeat("🙂", 2500)));
        var json = Gen.OneOf(
            text.Select(t => System.Text.Json.JsonSerializer.Serialize(new { content = t, clientMessageId = "m-1" })),
            text.Select(t => System.Text.Json.JsonSerializer.Serialize(new { title = t })),
            text.Select(t => System.Text.Json.JsonSerializer.Serialize(new { content = t })),
            Gen.Elements(
                "{}", "null", "[]", "0", "\"str\"", "{\"content\":5}", "{\"title\":[]}", "{\"title\":null}", "{\"content\":null}",
                "{\"content\":\"ok\",\"clientMessageId\":\"bad id!\"}", "{\"content\":\"ok\",\"clientMessageId\":\"" + new string('a', 200) + "\"}",
                "{\"content\":\"\\ud800\"}", "{", "{\"content\":\"unterminated", "{\"a\":1,}", new string('[', 5000) + new string(']', 5000),
                "{\"title\":\"x\",\"title\":\"y\"}", "\uFEFF{\"title\":\"bom\"}", "{\"content\":\"" + new string('x', 80 * 1024) + "\"}"));
        var bytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));
        return Gen.Frequency(
            (2, Gen.Constant<byte[]?>(null)),
            (6, json.Select(j => (byte[]?)Encoding.UTF8.GetBytes(j))),
            (1, bytes.Select(b => (byte[]?)b)),
            (1, Gen.Constant<byte[]?>(new byte[300 * 1024])));
    }

    private sealed record Seeded(string ConversationId, string OtherUsersConversationId);

    private static ApiTestApp CreateApp(IdentityMode mode) => mode switch
    {
        IdentityMode.Jwt => new JwtModeTests.JwtApp(),
        IdentityMode.ApiGateway => new ApiTestApp(new ScriptedChatClient("ok"), new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "ApiGateway",
            ["Auth:AllowApiGatewayOffLambda"] = "true",
        }),
        // The real embedded model here: it is what can run out of context window on a long message.
        _ => new ApiTestApp(),
    };

    /// <summary>A conversation with one turn for the fuzzing user, and one of another user's, so ids that exist are tried too.</summary>
    private static async Task<Seeded> SeedAsync(ApiTestApp app, IdentityMode mode)
    {
        async Task<string> CreateWithTurnAsync(string user)
        {
            var client = app.CreateClient();
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/conversations");
            AddIdentity(create, mode, Identity.Valid, user);
            var response = await client.SendAsync(create);
            response.EnsureSuccessStatusCode();
            var id = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            using var send = new HttpRequestMessage(HttpMethod.Post, $"/api/conversations/{id}/messages") { Content = System.Net.Http.Json.JsonContent.Create(new { content = "seed" }) };
            AddIdentity(send, mode, Identity.Valid, user);
            (await client.SendAsync(send)).EnsureSuccessStatusCode();
            return id;
        }

        return new Seeded(await CreateWithTurnAsync("fuzzer"), await CreateWithTurnAsync("bystander"));
    }

    private static void AddIdentity(HttpRequestMessage request, IdentityMode mode, Identity who, string user = "fuzzer")
    {
        if (who == Identity.Missing)
        {
            return;
        }

        var garbage = who == Identity.Garbage;
        switch (mode)
        {
            case IdentityMode.Development:
                request.Headers.TryAddWithoutValidation("X-ChatBot-User", garbage ? "bad user#1" : user);
                break;
            case IdentityMode.Jwt:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", garbage ? "not.a.token" : Tokens.GetOrAdd(
                    user, u => JwtModeTests.Sign(JwtModeTests.AccessToken(u))));
                break;
            case IdentityMode.ApiGateway:
                request.Headers.TryAddWithoutValidation(
                    "x-amzn-request-context", garbage ? "{\"authorizer\":" : "{\"authorizer\":{\"claims\":{\"sub\":\"" + user + "\",\"token_use\":\"access\"}}}");
                break;
        }
    }

    /// <summary>Every row of the store, read raw: a 4xx must leave it exactly as it was, for every user.</summary>
    private static string Fingerprint(ApiTestApp app)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "chatbot.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT coalesce((SELECT group_concat(user_id || '|' || id || '|' || coalesce(title, '') || '|' || updated_at || '|' || coalesce(lease_id, ''), ';')
                             FROM (SELECT * FROM conversations ORDER BY user_id, id)), '')
                || '#' ||
                   coalesce((SELECT group_concat(id || '|' || status || '|' || length(content), ';') FROM (SELECT * FROM messages ORDER BY id)), '')
            """;
        return (string)command.ExecuteScalar()!;
    }
}
