using System.Text.Json;
using Amazon.Runtime;
using ChatBot.Core;
using ChatBot.Storage.DynamoDb;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;
using static ChatBot.Adapters.Tests.Contracts.TestData;

namespace ChatBot.Adapters.Tests;

/// <summary>What search and delete-all send to DynamoDB, and what a search reads as the history grows.</summary>
public sealed partial class DynamoDbRequestTests
{
    [Fact]
    public async Task Search_QueriesTheListOnce_AndEachConversationOnce()
    {
        var store = CreateStore();
        var user = NewUser();
        for (var i = 0; i < 3; i++)
        {
            await AddTurnsAsync(store, user, turns: 2, answerBytes: 100);
        }

        _http.TakeTargets();

        var page = await store.SearchConversationsAsync(user, SearchQuery.Parse("nothing-matches-this")!, 10, null, Ct);

        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
        Assert.Equal(["Query", "Query", "Query", "Query"], _http.TakeTargets());
    }

    [Fact]
    public async Task DeleteAll_DeletesEachConversationAsDeleteDoes_AfterOneQueryOfTheList()
    {
        var store = CreateStore();
        var user = NewUser();
        await AddTurnsAsync(store, user, turns: 1, answerBytes: 10);
        _http.TakeTargets();

        await store.DeleteAllConversationsAsync(user, Ct);

        Assert.Equal(["Query", "DeleteItem", "Query", "BatchWriteItem", "DeleteItem"], _http.TakeTargets());
    }

    [Fact]
    public async Task DeleteAll_FinishesAConversationThatAFailedRunLeftHalfDeleted()
    {
        var store = CreateStore();
        var user = NewUser();
        var conversation = await AddTurnsAsync(store, user, turns: 2, answerBytes: 10);

        // A run that failed after the conversation item went and before the rest: the messages can still be found.
        _http.Intercept = (target, _) => target == "BatchWriteItem" ? throw new HttpRequestException("connection reset") : null;
        await Assert.ThrowsAnyAsync<Exception>(() => store.DeleteAllConversationsAsync(user, Ct));
        _http.Intercept = null;
        Assert.Empty((await store.ListConversationsAsync(user, 10, null, Ct)).Items);

        Assert.Equal([conversation.Id], await store.DeleteAllConversationsAsync(user, Ct));
        Assert.Null(await store.GetConversationAsync(user, conversation.Id, 10, Ct));
        var left = await table.Client.QueryAsync(
            new Amazon.DynamoDBv2.Model.QueryRequest
            {
                TableName = table.Options.TableName,
                ConsistentRead = true,
                KeyConditionExpression = "PK = :pk",
                ExpressionAttributeValues = new() { [":pk"] = new Amazon.DynamoDBv2.Model.AttributeValue { S = $"U#{user}#C#{conversation.Id}" } },
                Select = Amazon.DynamoDBv2.Select.COUNT,
            },
            Ct);
        Assert.Equal(0, left.Count);
    }

    /// <summary>
    /// The figure in docs/benchmarks.md: the read units and requests of a search that matches nothing (the most it reads), over
    /// histories of growing size, as dynalite counts them (the same rules as DynamoDB: item bytes, 4 KB units, half for eventual reads).
    /// </summary>
    [Theory]
    [InlineData(10)]
    [InlineData(40)]
    public async Task Search_ReadCost_GrowsWithTheHistoryWalked(int conversations)
    {
        var capacity = new CapacityRecordingFactory();
        using var client = table.CreateClient(capacity);
        var store = new DynamoDbConversationStore(client, Options.Create(table.Options), NullLogger<DynamoDbConversationStore>.Instance);
        var user = NewUser();
        const int turns = 5;
        const int answerBytes = 1000;
        for (var i = 0; i < conversations; i++)
        {
            await AddTurnsAsync(store, user, turns, answerBytes);
        }

        capacity.Reset();
        var page = await store.SearchConversationsAsync(user, SearchQuery.Parse("nothing-matches-this")!, 20, null, Ct);

        Assert.Empty(page.Items);
        Assert.Equal(1 + conversations, capacity.Requests);
        var historyKb = conversations * turns * (answerBytes + 40) / 1024.0;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"search read cost: {conversations} conversations x {turns} turns (~{historyKb:F0} KB of text): {capacity.Requests} requests, {capacity.Units:F1} read units");
        Assert.InRange(capacity.Units, historyKb / 8, (historyKb / 4) + conversations + 1);
    }

    private static async Task<Conversation> AddTurnsAsync(DynamoDbConversationStore store, string user, int turns, int answerBytes)
    {
        var conversation = NewConversation(user, "Measured");
        await store.CreateConversationAsync(conversation, Ct);
        for (var t = 0; t < turns; t++)
        {
            var question = UserMessage(conversation.Id, $"Question number {t} about the weather");
            await store.AddUserMessageAsync(user, question, Lapsed(), Ct);
            await store.SaveAssistantMessageAsync(user, conversation with { UpdatedAt = Now() }, Answer(question, new string('x', answerBytes)), Lapsed(), Ct);
        }

        return conversation;
    }

    /// <summary>Counts requests and sums the ConsumedCapacity that DynamoDB (or dynalite) reports in each response.</summary>
    private sealed class CapacityRecordingFactory : HttpClientFactory
    {
        private double _units;
        private int _requests;

        public double Units => _units;

        public int Requests => _requests;

        public void Reset() => (_units, _requests) = (0, 0);

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(this) { InnerHandler = new SocketsHttpHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string GetConfigUniqueString(IClientConfig clientConfig) => "capacity";

        private sealed class Handler(CapacityRecordingFactory owner) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = await base.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                using (var json = JsonDocument.Parse(body))
                {
                    Interlocked.Increment(ref owner._requests);
                    if (json.RootElement.TryGetProperty("ConsumedCapacity", out var consumed) && consumed.TryGetProperty("CapacityUnits", out var units))
                    {
                        lock (owner)
                        {
                            owner._units += units.GetDouble();
                        }
                    }
                }

                var copy = new ByteArrayContent(body);
                foreach (var header in response.Content.Headers)
                {
                    copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                response.Content = copy;
                return response;
            }
        }
    }
}
