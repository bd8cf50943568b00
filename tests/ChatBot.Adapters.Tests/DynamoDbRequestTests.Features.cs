using ChatBot.Core;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests;

/// <summary>The requests of model choice, instructions, edit, continue and feedback, as docs/storage.md lists them.</summary>
public sealed partial class DynamoDbRequestTests
{
    [Fact]
    public async Task EditContinueFeedbackAndSettings_SendTheDocumentedRequests()
    {
        var store = CreateStore();
        var chat = CreateChatService(store);
        var user = NewUser();
        var conversation = NewConversation(user);
        await store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "Tell me a story", "client-1");
        await store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        var cut = Answer(question, "Once upon") with { FinishReason = FinishReasons.Length, ModelId = "echo" };
        await store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, cut, Lapsed(), Ct);
        _http.TakeTargets();

        // Model or instructions: as a rename, the conversation item and the activity item.
        await chat.UpdateConversationAsync(user, conversation.Id, new ConversationPatch(Instructions: "Be brief."), Ct);
        Assert.Equal(["UpdateItem", "UpdateItem"], _http.TakeTargets());

        // Continue: the stored context, the lease, then the answer's end as a turn's (the answer keeps its key).
        await DrainAsync(await chat.StartContinueAsync(user, conversation.Id, Ct));
        Assert.Equal(["Query", "UpdateItem", "BatchWriteItem", "UpdateItem"], _http.TakeTargets());

        // Edit: the stored context, the lease, the question in place, then the answer's end.
        await DrainAsync(await chat.StartEditAsync(user, conversation.Id, question.Id, "Tell me a poem", null, Ct));
        Assert.Equal(["Query", "UpdateItem", "UpdateItem", "BatchWriteItem", "UpdateItem"], _http.TakeTargets());

        // Feedback: the conversation's answers (keys), then one UpdateItem.
        var answer = (await store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages[^1];
        _http.TakeTargets();
        Assert.NotNull(await chat.SetFeedbackAsync(user, conversation.Id, answer.Id, FeedbackRating.Up, "good", Ct));
        Assert.Equal(["Query", "UpdateItem"], _http.TakeTargets());

        await chat.SaveUserSettingsAsync(user, new UserSettings("Call me Sam."), Ct);
        await chat.GetUserSettingsAsync(user, Ct);
        Assert.Equal(["PutItem", "GetItem"], _http.TakeTargets());
    }

    private static async Task DrainAsync(TurnStart start)
    {
        await foreach (var update in Assert.IsType<TurnStart.Started>(start).Turn.StreamAsync(Ct))
        {
            Assert.IsNotType<TurnUpdate.Failed>(update);
        }
    }
}
