using System.Collections.Concurrent;
using ChatBot.TestKit.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.Bench;

/// <summary>
/// A pass-through HTTP proxy in front of dynalite that counts DynamoDB requests by operation (the X-Amz-Target header),
/// so the app's datastore work is measured on the wire, from outside its process. dynalite does not check SigV4
/// signatures, and the Host header is forwarded unchanged anyway.
/// </summary>
public sealed class CountingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _counts = new();

    private CountingProxy(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<CountingProxy> StartAsync(Uri target)
    {
        CountingProxy? proxy = null;
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        var (app, address) = await LoopbackWebApp.StartAsync(app => app.Run(context => proxy!.ForwardAsync(context, client, target)));
        proxy = new CountingProxy(app, address);
        return proxy;
    }

    /// <summary>The counts so far, by operation.</summary>
    public Dictionary<string, int> Snapshot() => new(_counts);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task ForwardAsync(HttpContext context, HttpClient client, Uri target)
    {
        var operation = context.Request.Headers["X-Amz-Target"].ToString();
        _counts.AddOrUpdate(operation[(operation.IndexOf('.', StringComparison.Ordinal) + 1)..], 1, (_, n) => n + 1);

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, context.Request.Path + context.Request.QueryString))
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await client.SendAsync(request);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body);
    }
}
