using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatBot.Core;
using Microsoft.Extensions.AI;

namespace ChatBot.Api.Telemetry;

/// <summary>
/// Measures every model call in the chat-client pipeline: turns by outcome, time to first token, duration, tokens per second,
/// input and output tokens (as the backend reports them) and failures by <see cref="ModelErrorKind"/>. A decorator, so
/// <see cref="ChatService"/> and the backends stay unaware of it.
/// </summary>
public sealed class ModelMetricsChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var measure = new Measure(Stopwatch.GetTimestamp());
        try
        {
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            measure.FirstText(response.Text.Length);
            measure.Usage(response.Usage);
            measure.End("complete");
            return response;
        }
        catch (Exception ex)
        {
            measure.Fail(ex, cancellationToken);
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var measure = new Measure(Stopwatch.GetTimestamp());
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception ex)
                {
                    measure.Fail(ex, cancellationToken);
                    throw;
                }

                var update = updates.Current;
                measure.FirstText(update.Text.Length);
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent usage)
                    {
                        measure.Usage(usage.Details);
                    }
                }

                yield return update;
            }

            measure.End("complete");
        }
        finally
        {
            // The caller stopped reading before the end: the answer was stopped.
            measure.End("stopped");
        }
    }

    /// <summary>One call's clock and counts; recorded once, when the call ends.</summary>
    private sealed class Measure(long started)
    {
        private long _firstText;
        private long _outputTokens;
        private long _inputTokens;
        private bool _ended;

        public void FirstText(int length)
        {
            if (length > 0 && _firstText == 0)
            {
                _firstText = Stopwatch.GetTimestamp();
                ChatBotTelemetry.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(started, _firstText).TotalSeconds);
            }
        }

        public void Usage(UsageDetails? usage)
        {
            // A backend reports usage once per call; should one report twice, the later (cumulative) figure wins.
            _inputTokens = usage?.InputTokenCount ?? _inputTokens;
            _outputTokens = usage?.OutputTokenCount ?? _outputTokens;
        }

        public void Fail(Exception exception, CancellationToken cancellationToken)
        {
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                End("stopped");
                return;
            }

            var kind = exception is ModelException model ? model.Kind : ModelErrorKind.Failed;
            ChatBotTelemetry.ModelErrors.Add(1, new KeyValuePair<string, object?>(TelemetryNames.KindTag, kind.ToString()));
            End("failed");
        }

        /// <summary>Records the call; only the first call counts, so a later <c>finally</c> cannot count it twice.</summary>
        public void End(string outcome)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            var ended = Stopwatch.GetTimestamp();
            ChatBotTelemetry.Turns.Add(1, new KeyValuePair<string, object?>(TelemetryNames.OutcomeTag, outcome));
            ChatBotTelemetry.TurnDuration.Record(Stopwatch.GetElapsedTime(started, ended).TotalSeconds);
            if (_inputTokens > 0)
            {
                ChatBotTelemetry.InputTokens.Add(_inputTokens);
            }

            if (_outputTokens > 0)
            {
                ChatBotTelemetry.OutputTokens.Add(_outputTokens);
                var streaming = _firstText == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_firstText, ended);
                if (_outputTokens > 1 && streaming > TimeSpan.Zero)
                {
                    ChatBotTelemetry.TokensPerSecond.Record((_outputTokens - 1) / streaming.TotalSeconds);
                }
            }
        }
    }
}
