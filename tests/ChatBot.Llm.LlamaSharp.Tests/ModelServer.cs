using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatBot.Llm.LlamaSharp.Tests;

// A real HTTP server on a free loopback port that serves one file, and can misbehave the ways download servers do.
public sealed class ModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[] _content;
    private int _requests;

    private readonly int? _dropFirstResponseAfter;
    private readonly bool _stallInsteadOfDropping;
    private readonly bool _honoursRange;

    private ModelServer(WebApplication app, byte[] content, int? dropFirstResponseAfter, bool stallInsteadOfDropping, bool honoursRange)
    {
        _app = app;
        _content = content;
        _dropFirstResponseAfter = dropFirstResponseAfter;
        _stallInsteadOfDropping = stallInsteadOfDropping;
        _honoursRange = honoursRange;
    }

    public Uri Url => new(_app.Urls.First() + "/models/tiny.gguf");

    // The Range header of every request, in order ("" when there was none).
    public ConcurrentQueue<string> RangeHeaders { get; } = new();

    // dropFirstResponseAfter: the first response sends only this many bytes, then drops the connection, or with
    // stallInsteadOfDropping keeps it open and sends nothing more.
    // honoursRange: false makes it answer every request with the whole file, as some servers and proxies do.
    public static async Task<ModelServer> StartAsync(
        byte[] content, int? dropFirstResponseAfter = null, bool stallInsteadOfDropping = false, bool honoursRange = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ModelServer(app, content, dropFirstResponseAfter, stallInsteadOfDropping, honoursRange);
        app.MapGet("/models/tiny.gguf", server.ServeAsync);
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = Interlocked.Increment(ref _requests);
        var range = context.Request.Headers.Range.ToString();
        RangeHeaders.Enqueue(range);

        long from = 0;
        if (_honoursRange && RangeHeaderValue.TryParse(range, out var parsed) && parsed.Ranges.Single().From is { } start)
        {
            from = start;
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = new ContentRangeHeaderValue(from, _content.Length - 1, _content.Length).ToString();
        }
        context.Response.ContentLength = _content.Length - from;
        var body = _content.AsMemory((int)from);

        if (request == 1 && _dropFirstResponseAfter is { } drop)
        {
            await context.Response.Body.WriteAsync(body[..drop]);
            await context.Response.Body.FlushAsync();
            if (_stallInsteadOfDropping)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up on the stalled response, as it should.
                }
                return;
            }
            // Give the client time to read what was sent before the connection goes.
            await Task.Delay(200);
            context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(body);
    }
}
