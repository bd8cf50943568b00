using System.Text;
using System.Text.Json;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Conversations;

/// <summary>
/// Streams a turn as Server-Sent Events: <c>user</c>, then <c>delta</c> per token, then <c>done</c> or <c>error</c>.
/// Each event is flushed at once; nothing buffers between the model and the socket.
/// </summary>
internal sealed class ServerSentEventsTurnResult(ConversationMessage userMessage, ChatTurn? turn = null, ConversationMessage? replay = null) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Tells reverse proxies (nginx and friends) not to hold the stream back.
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var writer = new EventWriter(response, json);
        await writer.WriteAsync("user", MessageView.From(userMessage));
        if (replay is not null)
        {
            await writer.WriteAsync("delta", new DeltaEvent(replay.Content));
            await writer.WriteAsync("done", MessageView.From(replay));
            return;
        }

        // Enumerate to the end even after the client has gone: cancellation stops the model, and the last step stores the answer.
        await foreach (var update in turn!.StreamAsync(httpContext.RequestAborted).WithCancellation(CancellationToken.None))
        {
            switch (update)
            {
                case TurnUpdate.Delta delta:
                    await writer.WriteAsync("delta", new DeltaEvent(delta.Text));
                    break;
                case TurnUpdate.Completed completed:
                    await writer.WriteAsync("done", MessageView.From(completed.Answer));
                    break;
                case TurnUpdate.Failed failed:
                    var problem = ErrorMapping.ToProblem(failed.Error);
                    problem.Extensions["assistant"] = MessageView.From(failed.Answer);
                    await writer.WriteAsync("error", problem);
                    break;
            }
        }
    }

    private sealed class EventWriter(HttpResponse response, JsonSerializerOptions json)
    {
        private bool _clientGone;

        public async Task WriteAsync<T>(string eventName, T payload)
        {
            if (_clientGone)
            {
                return;
            }

            // JSON never contains a raw newline, so each event is exactly one data line.
            var frame = $"event: {eventName}\ndata: {JsonSerializer.Serialize(payload, json)}\n\n";
            try
            {
                await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame));
                await response.Body.FlushAsync();
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                _clientGone = true;
            }
        }
    }
}
