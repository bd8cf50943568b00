using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ChatBot.Api.Infrastructure;
using ChatBot.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ChatBot.Api.Conversations;

/// <summary>
/// Streams a turn as Server-Sent Events: <c>user</c>, then <c>delta</c> per token, then <c>done</c> (the answer and the
/// conversation's summary) or <c>error</c>.
/// Every event is flushed as soon as the previous write is done; nothing holds tokens back between the model and the socket.
/// </summary>
internal sealed class ServerSentEventsTurnResult(ConversationMessage userMessage, ChatTurn? turn = null, TurnStart.Replayed? replay = null) : IResult
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
            await writer.WriteAsync("delta", new DeltaEvent(replay.Answer.Content));
            await writer.WriteAsync("done", DoneEvent.From(replay.Answer, replay.Conversation));
            return;
        }

        // The model decodes the next token while earlier ones are written: awaiting each flush before asking for the next
        // token would add a socket write to every token's time. Events that queue up during a write go out in one flush,
        // so a slow client gets fewer, larger writes and a fast one still gets every token at once.
        var events = Channel.CreateUnbounded<(string Name, object Payload)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var model = Task.Run(async () =>
        {
            try
            {
                // Enumerate to the end even after the client has gone: cancellation stops the model, and the last step stores the answer.
                await foreach (var update in turn!.StreamAsync(httpContext.RequestAborted).WithCancellation(CancellationToken.None))
                {
                    events.Writer.TryWrite(ToEvent(update, httpContext));
                }

                events.Writer.Complete();
            }
            catch (Exception ex)
            {
                events.Writer.Complete(ex);
            }
        });

        while (await events.Reader.WaitToReadAsync())
        {
            while (events.Reader.TryRead(out var next))
            {
                writer.Append(next.Name, next.Payload);
            }

            await writer.FlushAsync();
        }

        await model;
    }

    private static (string Name, object Payload) ToEvent(TurnUpdate update, HttpContext httpContext) => update switch
    {
        TurnUpdate.Delta delta => ("delta", new DeltaEvent(delta.Text)),
        TurnUpdate.Completed completed => ("done", DoneEvent.From(completed.Answer, completed.Conversation)),
        TurnUpdate.Failed failed => ("error", FailedTurn.ToProblem(failed, httpContext)),
        _ => throw new InvalidOperationException($"Unknown turn update {update.GetType().Name}."),
    };

    private sealed class EventWriter(HttpResponse response, JsonSerializerOptions json)
    {
        private bool _clientGone;

        public async Task WriteAsync<T>(string eventName, T payload)
        {
            Append(eventName, payload!);
            await FlushAsync();
        }

        /// <summary>Adds one event to the response buffer; <see cref="FlushAsync"/> sends it.</summary>
        public void Append(string eventName, object payload)
        {
            if (_clientGone)
            {
                return;
            }

            // JSON never contains a raw newline, so each event is exactly one data line.
            var frame = $"event: {eventName}\ndata: {JsonSerializer.Serialize(payload, payload.GetType(), json)}\n\n";
            response.BodyWriter.Write(Encoding.UTF8.GetBytes(frame));
        }

        public async Task FlushAsync()
        {
            if (_clientGone)
            {
                return;
            }

            try
            {
                var result = await response.BodyWriter.FlushAsync();
                _clientGone = result.IsCanceled || result.IsCompleted;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                _clientGone = true;
            }
        }
    }
}
