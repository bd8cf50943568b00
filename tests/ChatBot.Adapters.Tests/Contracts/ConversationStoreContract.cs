using ChatBot.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests.Contracts;

/// <summary>
/// What every <see cref="IConversationStore"/> must do. Each implementation runs it through a subclass; tests use fresh users,
/// so a subclass may share one store (and one server) across all of them.
/// </summary>
public abstract partial class ConversationStoreContract
{
    protected abstract IConversationStore Store { get; }

    /// <summary>A second store on the same data (file or table), as a second app instance would have.</summary>
    protected abstract IConversationStore SecondInstance { get; }

    /// <summary>Everything stored under the conversation, read raw: what no API call may show but a delete must still remove.</summary>
    protected abstract Task<int> StoredItemsAsync(string userId, string conversationId);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateConversation_ThenGet_ReturnsItWithNoMessages()
    {
        var conversation = NewConversation(NewUser(), "Plans");

        await Store.CreateConversationAsync(conversation, Ct);
        var loaded = await Store.GetConversationAsync(conversation.UserId, conversation.Id, 50, Ct);

        Assert.NotNull(loaded);
        Assert.Equal(conversation, loaded.Conversation);
        Assert.Empty(loaded.Messages);
    }

    [Fact]
    public async Task GetConversation_WhenMissing_ReturnsNull()
    {
        Assert.Null(await Store.GetConversationAsync(NewUser(), Ids.New(Now()), 50, Ct));
    }

    [Fact]
    public async Task AnotherUsersConversation_IsNotFoundForEveryOperation()
    {
        var owner = NewUser();
        var intruder = NewUser();
        var conversation = NewConversation(owner, "Private");
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "owner's secret", "client-1");
        await Store.AddUserMessageAsync(owner, question, Lapsed(), Ct);
        await Store.SaveAssistantMessageAsync(owner, conversation with { UpdatedAt = Now() }, Answer(question, "owner's answer"), Lapsed(), Ct);
        var before = await Store.GetConversationAsync(owner, conversation.Id, 50, Ct);

        Assert.Null(await Store.GetConversationAsync(intruder, conversation.Id, 50, Ct));
        Assert.Null(await Store.RenameConversationAsync(intruder, conversation.Id, "Mine now", Now(), Ct));
        Assert.False(await Store.DeleteConversationAsync(intruder, conversation.Id, Ct));
        Assert.Empty((await Store.ListConversationsAsync(intruder, 10, null, Ct)).Items);

        // Writing into it as the intruder must neither reveal the owner's clientMessageId nor touch the owner's data.
        var replay = await Store.AddUserMessageAsync(intruder, UserMessage(conversation.Id, "intruder", "client-1"), Lapsed(), Ct);
        Assert.DoesNotContain("owner", replay.UserMessage.Content, StringComparison.Ordinal);
        Assert.Null(replay.Answer);
        await Store.SaveAssistantMessageAsync(
            intruder, conversation with { UserId = intruder, Title = "Hijacked", UpdatedAt = Now() }, Answer(question, "intruder"), Lapsed(), Ct);

        Assert.Equal(before, await Store.GetConversationAsync(owner, conversation.Id, 50, Ct), ContextComparer.Instance);
        Assert.Empty((await Store.ListConversationsAsync(intruder, 10, null, Ct)).Items);
        Assert.Null(await Store.GetConversationAsync(intruder, conversation.Id, 50, Ct));
    }

    [Fact]
    public async Task ListConversations_PagesNewestActivityFirst_WithoutGapsOrRepeats()
    {
        var user = NewUser();
        var created = new List<Conversation>();
        for (var i = 0; i < 7; i++)
        {
            var conversation = NewConversation(user, $"Conversation {i}");
            created.Add(conversation);
            await Store.CreateConversationAsync(conversation, Ct);
        }

        // Two conversations share one instant, so the tie-break (by id) has to hold across a page boundary too.
        var tie = Now();
        foreach (var conversation in created.Take(2).ToList())
        {
            await Touch(user, conversation, tie);
            created[created.IndexOf(conversation)] = conversation with { UpdatedAt = tie };
        }

        var expected = created.OrderByDescending(c => c.UpdatedAt).ThenByDescending(c => c.Id, StringComparer.Ordinal).Select(c => c.Id).ToList();
        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await Store.ListConversationsAsync(user, 3, cursor, Ct);
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items.Select(c => c.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task ListConversations_WhenEverythingFitsOnePage_ReturnsNoCursor()
    {
        var user = NewUser();
        await Store.CreateConversationAsync(NewConversation(user), Ct);
        await Store.CreateConversationAsync(NewConversation(user), Ct);

        var page = await Store.ListConversationsAsync(user, 2, null, Ct);

        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListConversations_ReturnsTitlesAndTimesAsStored()
    {
        var user = NewUser();
        var conversation = NewConversation(user, "Trip to Lisbon");
        await Store.CreateConversationAsync(conversation, Ct);

        var page = await Store.ListConversationsAsync(user, 10, null, Ct);

        Assert.Equal([conversation], page.Items);
    }

    [Fact]
    public async Task ListConversations_WithForgedTamperedOrForeignCursor_ThrowsInvalidCursor()
    {
        var owner = NewUser();
        for (var i = 0; i < 3; i++)
        {
            await Store.CreateConversationAsync(NewConversation(owner), Ct);
        }

        var cursor = (await Store.ListConversationsAsync(owner, 1, null, Ct)).NextCursor;
        Assert.NotNull(cursor);
        var tampered = string.Concat(cursor[..^3], cursor[^3] == 'A' ? "B" : "A", cursor[^2..]);

        foreach (var bad in new[] { tampered, "not-a-cursor", "", cursor + "A", cursor[..^1], Convert.ToBase64String(new byte[41]) })
        {
            await Assert.ThrowsAsync<InvalidCursorException>(() => Store.ListConversationsAsync(owner, 1, bad, Ct));
        }

        await Assert.ThrowsAsync<InvalidCursorException>(() => Store.ListConversationsAsync(NewUser(), 1, cursor, Ct));
        Assert.Single((await Store.ListConversationsAsync(owner, 1, cursor, Ct)).Items);
    }

    [Fact]
    public async Task AddUserMessage_WithRepeatedClientMessageId_StoresOnceAndReturnsOriginalWithItsAnswer()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var original = UserMessage(conversation.Id, "Hello", "client-42");

        var first = await Store.AddUserMessageAsync(user, original, Lapsed(), Ct);
        var whileAnswering = await Store.AddUserMessageAsync(user, UserMessage(conversation.Id, "Hello", "client-42"), Lapsed(), Ct);
        var answer = Answer(original, "Hi there");
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, Lapsed(), Ct);
        var afterAnswer = await Store.AddUserMessageAsync(user, UserMessage(conversation.Id, "Hello again?", "client-42"), Lapsed(), Ct);

        Assert.Equal(new AddMessageResult(AddMessageOutcome.Added, original, null), first);
        Assert.Equal(new AddMessageResult(AddMessageOutcome.Repeated, original, null), whileAnswering);
        Assert.Equal(new AddMessageResult(AddMessageOutcome.Repeated, original, answer), afterAnswer);
        var stored = await Store.GetConversationAsync(user, conversation.Id, 50, Ct);
        Assert.Equal([original, answer], stored!.Messages);
    }

    [Fact]
    public async Task AddUserMessage_WithSameClientMessageIdInAnotherConversation_StoresBoth()
    {
        var user = NewUser();
        var first = NewConversation(user);
        var second = NewConversation(user);
        await Store.CreateConversationAsync(first, Ct);
        await Store.CreateConversationAsync(second, Ct);

        var a = await Store.AddUserMessageAsync(user, UserMessage(first.Id, "one", "same-id"), Lapsed(), Ct);
        var b = await Store.AddUserMessageAsync(user, UserMessage(second.Id, "two", "same-id"), Lapsed(), Ct);

        Assert.True(a.Added);
        Assert.True(b.Added);
    }

    [Fact]
    public async Task AddUserMessage_WithoutClientMessageId_StoresEveryMessage()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);

        await Store.AddUserMessageAsync(user, UserMessage(conversation.Id, "same"), Lapsed(), Ct);
        await Store.AddUserMessageAsync(user, UserMessage(conversation.Id, "same"), Lapsed(), Ct);

        Assert.Equal(2, (await Store.GetConversationAsync(user, conversation.Id, 50, Ct))!.Messages.Count);
    }

    [Fact]
    public async Task Messages_RoundTripEveryField()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "Why is the sky blue?", "client-7");
        var stopped = Answer(question, "Because of Rayl", MessageStatus.Stopped);
        var followUp = UserMessage(conversation.Id, "And sunsets?");
        var failed = Answer(followUp, "", MessageStatus.Failed) with { Usage = null };

        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, stopped, Lapsed(), Ct);
        await Store.AddUserMessageAsync(user, followUp, Lapsed(), Ct);
        await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, failed, Lapsed(), Ct);

        var stored = await Store.GetConversationAsync(user, conversation.Id, 50, Ct);
        Assert.Equal([question, stopped, followUp, failed], stored!.Messages);
    }

    [Fact]
    public async Task GetConversation_WithMaxMessages_ReturnsTheNewestOldestFirst()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var messages = new List<ConversationMessage>();
        for (var i = 0; i < 5; i++)
        {
            var question = UserMessage(conversation.Id, $"question {i}");
            var answer = Answer(question, $"answer {i}");
            await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
            await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, Lapsed(), Ct);
            messages.AddRange([question, answer]);
        }

        Assert.Equal(messages[^3..], (await Store.GetConversationAsync(user, conversation.Id, 3, Ct))!.Messages);
        Assert.Equal(messages, (await Store.GetConversationAsync(user, conversation.Id, int.MaxValue, Ct))!.Messages);
        Assert.Empty((await Store.GetConversationAsync(user, conversation.Id, 0, Ct))!.Messages);
    }

    [Fact]
    public async Task SaveAssistantMessage_RecordsActivity_MovingTheConversationToTheTop()
    {
        var user = NewUser();
        var older = NewConversation(user);
        var newer = NewConversation(user);
        await Store.CreateConversationAsync(older, Ct);
        await Store.CreateConversationAsync(newer, Ct);
        Assert.Equal([newer.Id, older.Id], (await Store.ListConversationsAsync(user, 10, null, Ct)).Items.Select(c => c.Id));

        var question = UserMessage(older.Id, "bump");
        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);
        var activity = Now();
        await Store.SaveAssistantMessageAsync(user, older with { Title = "bump", UpdatedAt = activity }, Answer(question, "ok"), Lapsed(), Ct);

        var list = (await Store.ListConversationsAsync(user, 10, null, Ct)).Items;
        Assert.Equal([older.Id, newer.Id], list.Select(c => c.Id));
        Assert.Equal(older with { Title = "bump", UpdatedAt = activity }, list[0]);
        Assert.Equal(list[0], (await Store.GetConversationAsync(user, older.Id, 0, Ct))!.Conversation);
    }

    [Fact]
    public async Task SaveAssistantMessage_AfterRenameDuringTheAnswer_KeepsTheNewTitle()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var question = UserMessage(conversation.Id, "What should I cook tonight?");
        await Store.AddUserMessageAsync(user, question, Lapsed(), Ct);

        // The turn read the conversation (no title yet) before the rename; it ends with the default title it computed.
        await Store.RenameConversationAsync(user, conversation.Id, "Dinner", Now(), Ct);
        var endOfTurn = Now();
        await Store.SaveAssistantMessageAsync(user, conversation with { Title = "What should I cook tonight?", UpdatedAt = endOfTurn }, Answer(question, "Pasta"), Lapsed(), Ct);

        var stored = (await Store.GetConversationAsync(user, conversation.Id, 0, Ct))!.Conversation;
        Assert.Equal("Dinner", stored.Title);
        Assert.Equal(endOfTurn, stored.UpdatedAt);
        Assert.Equal("Dinner", (await Store.ListConversationsAsync(user, 1, null, Ct)).Items.Single().Title);
    }

    [Fact]
    public async Task RenameConversation_ChangesTitleAndRecordsActivity()
    {
        var user = NewUser();
        var older = NewConversation(user, "Old name");
        var newer = NewConversation(user);
        await Store.CreateConversationAsync(older, Ct);
        await Store.CreateConversationAsync(newer, Ct);
        var at = Now();

        var renamed = await Store.RenameConversationAsync(user, older.Id, "New name", at, Ct);

        Assert.Equal(older with { Title = "New name", UpdatedAt = at }, renamed);
        Assert.Equal(renamed, (await Store.GetConversationAsync(user, older.Id, 0, Ct))!.Conversation);
        Assert.Equal(renamed, (await Store.ListConversationsAsync(user, 10, null, Ct)).Items[0]);
    }

    [Fact]
    public async Task DeleteConversation_RemovesItAndEveryMessage_EvenHundreds()
    {
        var user = NewUser();
        var conversation = NewConversation(user, "Long one");
        var other = NewConversation(user, "Kept");
        await Store.CreateConversationAsync(conversation, Ct);
        await Store.CreateConversationAsync(other, Ct);
        await Parallel.ForEachAsync(Enumerable.Range(0, 150), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (i, ct) =>
        {
            var question = UserMessage(conversation.Id, $"question {i}", $"client-{i}");
            await Store.AddUserMessageAsync(user, question, Lapsed(), ct);
            await Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, Answer(question, $"answer {i}"), Lapsed(), ct);
        });
        Assert.Equal(300, (await Store.GetConversationAsync(user, conversation.Id, int.MaxValue, Ct))!.Messages.Count);

        Assert.True(await Store.DeleteConversationAsync(user, conversation.Id, Ct));

        Assert.Null(await Store.GetConversationAsync(user, conversation.Id, int.MaxValue, Ct));
        Assert.Equal([other], (await Store.ListConversationsAsync(user, 10, null, Ct)).Items);
        Assert.False(await Store.DeleteConversationAsync(user, conversation.Id, Ct));

        // Re-creating the same id must find nothing left over: no messages and no remembered clientMessageIds.
        await Store.CreateConversationAsync(conversation, Ct);
        Assert.Empty((await Store.GetConversationAsync(user, conversation.Id, int.MaxValue, Ct))!.Messages);
        Assert.True((await Store.AddUserMessageAsync(user, UserMessage(conversation.Id, "again", "client-1"), Lapsed(), Ct)).Added);
    }

    [Fact]
    public async Task Content_AtTheSizeLimit_RoundTrips()
    {
        var user = NewUser();
        var conversation = NewConversation(user);
        await Store.CreateConversationAsync(conversation, Ct);
        var message = UserMessage(conversation.Id, string.Concat(Enumerable.Repeat("é👍\0ש", 16 * 1024 / 10)));

        await Store.AddUserMessageAsync(user, message, Lapsed(), Ct);

        Assert.Equal([message], (await Store.GetConversationAsync(user, conversation.Id, 1, Ct))!.Messages);
    }

    [Property(MaxTest = 40)]
    public Property Content_OfAnyKind_RoundTripsExactly() => Prop.ForAll(Content(), content =>
    {
        var user = NewUser();
        var conversation = NewConversation(user, Titles.FromFirstMessage(content) is { Length: > 0 } title ? title : null);
        Store.CreateConversationAsync(conversation, Ct).GetAwaiter().GetResult();
        var question = UserMessage(conversation.Id, content, clientMessageId: content.Length is > 0 and < 100 ? content : null);
        var answer = Answer(question, content);
        Store.AddUserMessageAsync(user, question, Lapsed(), Ct).GetAwaiter().GetResult();
        Store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, answer, Lapsed(), Ct).GetAwaiter().GetResult();

        var stored = Store.GetConversationAsync(user, conversation.Id, 10, Ct).GetAwaiter().GetResult();

        Assert.Equal(conversation.Title, stored!.Conversation.Title);
        Assert.Equal([question, answer], stored.Messages);
    });

    [Property(MaxTest = 15)]
    public Property Messages_WrittenConcurrently_ComeBackOnceEachInTimeOrder() => Prop.ForAll(
        Gen.ArrayOf(Gen.Choose(0, 40), 24).ToArbitrary(),
        offsets =>
        {
            var user = NewUser();
            var conversation = NewConversation(user);
            Store.CreateConversationAsync(conversation, Ct).GetAwaiter().GetResult();

            // Equal offsets give equal times, so ties (broken by id) are common, and the writes land in any order.
            var start = Now();
            var messages = offsets
                .Select((offset, i) => UserMessage(conversation.Id, $"message {i}", $"client-{i}", start.AddMilliseconds(offset)))
                .ToList();
            Task.WhenAll(messages.Select(m => Task.Run(() => Store.AddUserMessageAsync(user, m, Lapsed(), Ct)))).GetAwaiter().GetResult();

            var stored = Store.GetConversationAsync(user, conversation.Id, int.MaxValue, Ct).GetAwaiter().GetResult();
            var expected = messages.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id, StringComparer.Ordinal);
            Assert.Equal(expected, stored!.Messages);
        });

    [Fact]
    public async Task ManyTurnsAtOnce_OnOneConversationAndAcrossUsers_StoreEveryMessageOnceInOrderWithoutLeaks()
    {
        var users = Enumerable.Range(0, 4).Select(_ => NewUser()).ToList();
        var conversations = new List<Conversation>();
        foreach (var user in users)
        {
            for (var i = 0; i < 2; i++)
            {
                var conversation = NewConversation(user);
                conversations.Add(conversation);
                await Store.CreateConversationAsync(conversation, Ct);
            }
        }

        // 8 conversations x 12 turns, 8 at a time, with every turn sent twice (a client retry) to exercise idempotency too.
        var turns = conversations.SelectMany(c => Enumerable.Range(0, 12).Select(i => (Conversation: c, Turn: i))).ToList();
        await Parallel.ForEachAsync(turns, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (turn, ct) =>
        {
            var (conversation, i) = turn;
            var content = $"{conversation.UserId}/{conversation.Id}/{i}";
            var question = UserMessage(conversation.Id, content, $"turn-{i}");
            var added = await Store.AddUserMessageAsync(conversation.UserId, question, Lapsed(), ct);
            var retry = await Store.AddUserMessageAsync(conversation.UserId, question with { Id = Ids.New(Now()) }, Lapsed(), ct);
            Assert.True(added.Added);
            Assert.False(retry.Added);
            await Store.SaveAssistantMessageAsync(
                conversation.UserId, conversation with { UpdatedAt = Now() }, Answer(question, "re: " + content), Lapsed(), ct);
        });

        foreach (var conversation in conversations)
        {
            var stored = (await Store.GetConversationAsync(conversation.UserId, conversation.Id, int.MaxValue, Ct))!.Messages;
            Assert.Equal(24, stored.Count);
            Assert.All(stored, m => Assert.Contains($"{conversation.UserId}/{conversation.Id}/", m.Content, StringComparison.Ordinal));
            Assert.Equal(12, stored.Where(m => m.Role == MessageRole.User).Select(m => m.Content).Distinct().Count());
            Assert.Equal(stored.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id, StringComparer.Ordinal), stored);
            Assert.All(stored.Where(m => m.Role == MessageRole.Assistant), a => Assert.Contains(stored, q => q.Id == a.ReplyTo));
        }

        foreach (var user in users)
        {
            var listed = (await Store.ListConversationsAsync(user, 10, null, Ct)).Items;
            Assert.Equal(conversations.Where(c => c.UserId == user).Select(c => c.Id).Order(), listed.Select(c => c.Id).Order());
        }
    }

    private async Task Touch(string userId, Conversation conversation, DateTimeOffset at)
    {
        var question = UserMessage(conversation.Id, "touch");
        await Store.AddUserMessageAsync(userId, question, Lapsed(), Ct);
        await Store.SaveAssistantMessageAsync(userId, conversation with { UpdatedAt = at }, Answer(question, "touched"), Lapsed(), Ct);
    }

    /// <summary>Records hold lists, and lists compare by reference: compare contexts by their contents.</summary>
    private sealed class ContextComparer : IEqualityComparer<ConversationContext?>
    {
        public static readonly ContextComparer Instance = new();

        public bool Equals(ConversationContext? x, ConversationContext? y) =>
            x is null ? y is null : y is not null && x.Conversation == y.Conversation && x.Messages.SequenceEqual(y.Messages);

        public int GetHashCode(ConversationContext? obj) => obj?.Conversation.GetHashCode() ?? 0;
    }
}
