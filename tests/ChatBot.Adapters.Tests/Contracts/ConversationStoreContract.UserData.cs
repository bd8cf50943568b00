using ChatBot.Core;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>Search, and delete-all: what a user does with all of their conversations at once.</summary>
public abstract partial class ConversationStoreContract
{
    [Fact]
    public async Task Search_FindsTitlesAndMessages_IgnoringCaseAndAccents_NewestActivityFirst()
    {
        var user = NewUser();
        var titled = await ConversationWithAsync(user, "Café plans");
        var inAnswer = await ConversationWithAsync(user, "Other", "Where to eat?", "We liked the CAFE near the river, and the cafe by the sea.");
        await ConversationWithAsync(user, "Unrelated", "Nothing to see", "Nothing at all");

        var page = await Store.SearchConversationsAsync(user, Query("cafe"), 10, null, Ct);

        Assert.Null(page.NextCursor);
        Assert.Equal([inAnswer.Id, titled.Id], page.Items.Select(h => h.Conversation.Id));
        var answerHit = page.Items[0];
        Assert.NotNull(answerHit.MessageId);
        Assert.Equal(["CAFE", "cafe"], answerHit.Snippet.Highlights.Select(h => answerHit.Snippet.Text.Substring(h.Start, h.Length)));
        var titleHit = page.Items[1];
        Assert.Null(titleHit.MessageId);
        Assert.Equal(("Café plans", "Café"), (titleHit.Snippet.Text, titleHit.Snippet.Text.Substring(titleHit.Snippet.Highlights[0].Start, titleHit.Snippet.Highlights[0].Length)));
        Assert.Equal(titled, titleHit.Conversation);
    }

    [Fact]
    public async Task Search_NeedsEveryWord_InTheTitleOrInOneMessage_EachAsTheStartOfAWord()
    {
        var user = NewUser();
        var both = await ConversationWithAsync(user, null, "Is the lighthouse open in winter?", "Yes, on weekends.");
        await ConversationWithAsync(user, null, "Tell me about the lighthouse", "It is in winter colours now.");
        await ConversationWithAsync(user, null, "Highlights of the trip", "Sunsets.");

        var hits = (await Store.SearchConversationsAsync(user, Query("LIGHT wint"), 10, null, Ct)).Items;

        Assert.Equal([both.Id], hits.Select(h => h.Conversation.Id));
        Assert.Empty((await Store.SearchConversationsAsync(user, Query("ighthouse"), 10, null, Ct)).Items);
    }

    [Fact]
    public async Task Search_PagesWithoutGapsOrRepeats_AndFollowsRenamesAndDeletes()
    {
        var user = NewUser();
        var matching = new List<Conversation>();
        for (var i = 0; i < 7; i++)
        {
            matching.Insert(0, await ConversationWithAsync(user, $"Recipe {i}", "How long to bake bread?", "About forty minutes."));
            await ConversationWithAsync(user, $"Other {i}", "Something else", "Indeed.");
        }

        var found = new List<string>();
        string? cursor = null;
        for (var pages = 0; pages < 20; pages++)
        {
            var page = await Store.SearchConversationsAsync(user, Query("bread"), 3, cursor, Ct);
            Assert.InRange(page.Items.Count, 0, 3);
            found.AddRange(page.Items.Select(h => h.Conversation.Id));
            cursor = page.NextCursor;
            if (cursor is null)
            {
                break;
            }
        }

        Assert.Null(cursor);
        Assert.Equal(matching.Select(c => c.Id), found);

        await Store.DeleteConversationAsync(user, matching[0].Id, Ct);
        await Store.RenameConversationAsync(user, matching[1].Id, "Sourdough", Now(), Ct);
        Assert.DoesNotContain(matching[0].Id, await SearchAllAsync(user, "bread"));
        Assert.Equal([matching[1].Id], await SearchAllAsync(user, "sourdough"));
    }

    [Fact]
    public async Task Search_NeverFindsAnotherUsersConversations_AndRejectsTheirCursors()
    {
        var owner = NewUser();
        var other = NewUser();
        for (var i = 0; i < 4; i++)
        {
            await ConversationWithAsync(owner, "Secret plan", "The secret is safe", "Good.");
        }

        Assert.Empty(await SearchAllAsync(other, "secret"));
        var ownersPage = await Store.SearchConversationsAsync(owner, Query("secret"), 1, null, Ct);
        Assert.NotNull(ownersPage.NextCursor);
        await Assert.ThrowsAsync<InvalidCursorException>(() => Store.SearchConversationsAsync(other, Query("secret"), 1, ownersPage.NextCursor, Ct));
    }

    [Fact]
    public async Task DeleteAll_RemovesEveryConversationOfTheUser_AndNothingElse_AndIsSafeToRepeat()
    {
        var user = NewUser();
        var other = NewUser();
        var mine = new List<Conversation>();
        for (var i = 0; i < 4; i++)
        {
            mine.Add(await ConversationWithAsync(user, $"Mine {i}", "Question", "Answer"));
        }

        var theirs = await ConversationWithAsync(other, "Theirs", "Question", "Answer");

        var deleted = await Store.DeleteAllConversationsAsync(user, Ct);

        Assert.Equal(mine.Select(c => c.Id).Order(), deleted.Order());
        Assert.Empty((await Store.ListConversationsAsync(user, 10, null, Ct)).Items);
        foreach (var conversation in mine)
        {
            Assert.Equal(0, await StoredItemsAsync(user, conversation.Id));
        }

        Assert.Empty(await SearchAllAsync(user, "question"));
        Assert.Empty(await Store.DeleteAllConversationsAsync(user, Ct));
        Assert.True(await StoredItemsAsync(other, theirs.Id) > 0);
        Assert.Equal([theirs.Id], (await Store.ListConversationsAsync(other, 10, null, Ct)).Items.Select(c => c.Id));
    }

    private static SearchQuery Query(string text) => SearchQuery.Parse(text) ?? throw new ArgumentException("No words.", nameof(text));

    /// <summary>A conversation with one turn (when a question is given), its activity a moment after every earlier one.</summary>
    private async Task<Conversation> ConversationWithAsync(string user, string? title, string? question = null, string? answer = null)
    {
        var conversation = NewConversation(user, title);
        await Store.CreateConversationAsync(conversation, Ct);
        if (question is not null)
        {
            var asked = UserMessage(conversation.Id, question);
            await Store.AddUserMessageAsync(user, asked, Lapsed(), Ct);
            await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, Answer(asked, answer ?? ""), Lapsed(), Ct);
        }

        return conversation;
    }

    private async Task<List<string>> SearchAllAsync(string user, string text)
    {
        var found = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Store.SearchConversationsAsync(user, Query(text), 10, cursor, Ct);
            found.AddRange(page.Items.Select(h => h.Conversation.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return found;
    }
}
