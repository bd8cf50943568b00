using ChatBot.Core;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>
/// Model choice, custom instructions, edit, continue and feedback: what each store keeps of them, and that a change touches
/// nothing else.
/// </summary>
public abstract partial class ConversationStoreContract
{
    [Fact]
    public async Task CreateConversation_WithModelAndInstructions_KeepsBoth()
    {
        var conversation = NewConversation(NewUser(), "Poems") with { ModelId = "model-b", Instructions = "Answer in verse.\nAlways." };

        await Store.CreateConversationAsync(conversation, Ct);

        Assert.Equal(conversation, (await Store.GetConversationAsync(conversation.UserId, conversation.Id, 10, Ct))!.Conversation);
        Assert.Equal([conversation], (await Store.ListConversationsAsync(conversation.UserId, 10, null, Ct)).Items);
    }

    [Fact]
    public async Task UpdateConversation_ChangesWhatThePatchNames_AndEmptyClearsIt()
    {
        var user = NewUser();
        var conversation = NewConversation(user, "Kept") with { Instructions = "Be brief." };
        await Store.CreateConversationAsync(conversation, Ct);

        var at = Now();
        var chosen = await Store.UpdateConversationAsync(user, conversation.Id, new ConversationPatch(ModelId: "model-b"), at, Ct);
        Assert.Equal(conversation with { ModelId = "model-b", UpdatedAt = at }, chosen);

        var cleared = await SecondInstance.UpdateConversationAsync(
            user, conversation.Id, new ConversationPatch(ModelId: "", Instructions: ""), Now(), Ct);
        Assert.NotNull(cleared);
        Assert.Equal(("Kept", null, null), (cleared.Title, cleared.ModelId, cleared.Instructions));
        Assert.Equal(cleared, (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Conversation);
    }

    [Fact]
    public async Task UpdateConversation_OfAnotherUserOrMissing_ReturnsNullAndChangesNothing()
    {
        var conversation = NewConversation(NewUser(), "Mine");
        await Store.CreateConversationAsync(conversation, Ct);

        Assert.Null(await Store.UpdateConversationAsync(NewUser(), conversation.Id, new ConversationPatch("Theirs", "model-b", "x"), Now(), Ct));
        Assert.Null(await Store.UpdateConversationAsync(conversation.UserId, Ids.New(Now()), new ConversationPatch("New"), Now(), Ct));
        Assert.Equal(conversation, (await Store.GetConversationAsync(conversation.UserId, conversation.Id, 10, Ct))!.Conversation);
    }

    [Fact]
    public async Task Answer_KeepsItsModelAndFinishReason_AndAContinuedAnswerReplacesItInPlace()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "Tell me a long story");
        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        var cut = Answer(question, "Once upon a") with { ModelId = "model-a", FinishReason = FinishReasons.Length };
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, cut, Lapsed(), Ct);
        Assert.Equal([question, cut], (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);

        var continued = cut with { Content = "Once upon a time, the end.", FinishReason = FinishReasons.Stop, Usage = new TokenUsage(20, 60) };
        Assert.True(await SecondInstance.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, continued, Lapsed(), Ct));

        Assert.Equal([question, continued], (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);
    }

    [Fact]
    public async Task EditUserMessage_ReplacesTheQuestionInPlace_AndTakesTheLease()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "What is 2+3?", "client-1");
        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, Answer(question, "5"), Lapsed(), Ct);

        var edited = question with { Content = "What is 2+4?" };
        var lease = Lease();
        Assert.Equal(TurnClaim.Claimed, await Store.EditUserMessageAsync(user, edited, lease, Ct));
        Assert.Equal(TurnClaim.Busy, await SecondInstance.ClaimTurnAsync(user, conversation.Id, Lease(), Ct));

        var newAnswer = Answer(edited, "6");
        Assert.True(await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, newAnswer, lease, Ct));
        Assert.Equal([edited, newAnswer], (await SecondInstance.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);
    }

    [Fact]
    public async Task EditUserMessage_WhileAnotherTurnHoldsTheLease_IsBusyAndChangesNothing()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "original");
        await Store.AddUserMessageAsync(user, question, Lease(), Ct);

        Assert.Equal(TurnClaim.Busy, await SecondInstance.EditUserMessageAsync(user, question with { Content = "edited" }, Lease(), Ct));
        Assert.Equal(TurnClaim.NotFound, await Store.EditUserMessageAsync(NewUser(), question with { Content = "intruder" }, Lease(), Ct));

        Assert.Equal([question], (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);
    }

    [Fact]
    public async Task EditUserMessage_OfAMissingQuestion_IsNotFound_AndLeavesNoLease()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);

        Assert.Equal(TurnClaim.NotFound, await Store.EditUserMessageAsync(user, UserMessage(conversation.Id, "never sent"), Lease(), Ct));

        Assert.Equal(TurnClaim.Claimed, await SecondInstance.ClaimTurnAsync(user, conversation.Id, Lease(), Ct));
        Assert.Empty((await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);
    }

    [Fact]
    public async Task SetFeedback_IsStoredWithTheAnswer_Changeable_AndClearable()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "question", "client-1");
        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        var answer = Answer(question, "answer") with { ModelId = "model-a", FinishReason = FinishReasons.Stop };
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, Lapsed(), Ct);

        var down = new MessageFeedback(FeedbackRating.Down, "Wrong: it is 6. ✓ «ok»", Now());
        Assert.Equal(answer with { Feedback = down }, await Store.SetFeedbackAsync(user, conversation.Id, answer.Id, down, Ct));
        var up = new MessageFeedback(FeedbackRating.Up, null, Now());
        Assert.Equal(answer with { Feedback = up }, await SecondInstance.SetFeedbackAsync(user, conversation.Id, answer.Id, up, Ct));
        Assert.Equal([question, answer with { Feedback = up }], (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);

        Assert.Equal(answer, await Store.SetFeedbackAsync(user, conversation.Id, answer.Id, null, Ct));
        Assert.Equal([question, answer], (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);
    }

    [Fact]
    public async Task SetFeedback_OnAQuestionAMissingAnswerOrAnotherUsersAnswer_ReturnsNullAndChangesNothing()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "question");
        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        var answer = Answer(question, "answer");
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, Lapsed(), Ct);
        var feedback = new MessageFeedback(FeedbackRating.Up, null, Now());

        Assert.Null(await Store.SetFeedbackAsync(user, conversation.Id, question.Id, feedback, Ct));
        Assert.Null(await Store.SetFeedbackAsync(user, conversation.Id, Ids.New(Now()), feedback, Ct));
        Assert.Null(await Store.SetFeedbackAsync(NewUser(), conversation.Id, answer.Id, feedback, Ct));
        Assert.Null(await Store.SetFeedbackAsync(user, Ids.New(Now()), answer.Id, feedback, Ct));

        Assert.Equal([question, answer], (await Store.GetConversationAsync(user, conversation.Id, 10, Ct))!.Messages);
    }

    [Fact]
    public async Task UserSettings_AreEmptyUntilSaved_ThenReplaced_AndBelongToOneUser()
    {
        var user = NewUser();
        Assert.Equal(UserSettings.Empty, await Store.GetUserSettingsAsync(user, Ct));

        await Store.SaveUserSettingsAsync(user, new UserSettings("Call me Sam. Answer in French."), Ct);
        Assert.Equal(new UserSettings("Call me Sam. Answer in French."), await SecondInstance.GetUserSettingsAsync(user, Ct));
        Assert.Equal(UserSettings.Empty, await Store.GetUserSettingsAsync(NewUser(), Ct));

        await SecondInstance.SaveUserSettingsAsync(user, UserSettings.Empty, Ct);
        Assert.Equal(UserSettings.Empty, await Store.GetUserSettingsAsync(user, Ct));

        // Settings are not a conversation: the list stays empty.
        Assert.Empty((await Store.ListConversationsAsync(user, 10, null, Ct)).Items);
    }
}
