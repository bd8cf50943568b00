using ChatBot.Core;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>The conversation's model and instructions, and each answer's model, finish reason and feedback, survive the cache.</summary>
public abstract partial class ContextCacheContract
{
    [Fact]
    public async Task SetAndAppend_KeepModelsInstructionsFinishReasonsAndFeedback()
    {
        var cache = CreateCache();
        var (user, plain) = NewContext(messages: 2);
        var conversation = plain.Conversation with { ModelId = "model-b", Instructions = "Answer in verse." };
        var rated = plain.Messages[1] with
        {
            ModelId = "model-a",
            FinishReason = FinishReasons.Length,
            Feedback = new MessageFeedback(FeedbackRating.Down, "Too short", Now()),
        };
        var context = new ConversationContext(conversation, [plain.Messages[0], rated]);
        await cache.SetAsync(user, context, Ct);
        AssertSame(context, await cache.GetAsync(user, conversation.Id, Ct));

        var question = UserMessage(conversation.Id, "and then?");
        var answer = Answer(question, "the end") with { ModelId = "model-b", FinishReason = FinishReasons.Stop, Feedback = new MessageFeedback(FeedbackRating.Up, null, Now()) };
        await cache.AppendAsync(user, conversation with { UpdatedAt = Now() }, [question, answer], Ct);

        var cached = await cache.GetAsync(user, conversation.Id, Ct);
        Assert.NotNull(cached);
        Assert.Equal(("model-b", "Answer in verse."), (cached.Conversation.ModelId, cached.Conversation.Instructions));
        Assert.Equal([plain.Messages[0], rated, question, answer], cached.Messages);
    }
}
