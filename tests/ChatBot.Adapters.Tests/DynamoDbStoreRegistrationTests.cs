using Amazon.DynamoDBv2;
using ChatBot.Core;
using ChatBot.Storage.DynamoDb;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatBot.Adapters.Tests;

public sealed class DynamoDbStoreRegistrationTests(DynamoDbTableFixture table)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Startup_WithCreateTable_CreatesAnActiveTableAndAWorkingStore()
    {
        var tableName = $"startup-{Guid.NewGuid():N}";
        using var host = BuildHost(new()
        {
            ["Storage:DynamoDb:TableName"] = tableName,
            ["Storage:DynamoDb:ServiceUrl"] = table.Options.ServiceUrl,
            ["Storage:DynamoDb:CreateTable"] = "true",
        });

        await host.StartAsync(Ct);

        var description = await host.Services.GetRequiredService<IAmazonDynamoDB>().DescribeTableAsync(tableName, Ct);
        Assert.Equal("ACTIVE", description.Table.TableStatus.Value);
        var store = host.Services.GetRequiredService<IConversationStore>();
        var conversation = Contracts.TestData.NewConversation(Contracts.TestData.NewUser());
        await store.CreateConversationAsync(conversation, Ct);
        Assert.NotNull(await store.GetConversationAsync(conversation.UserId, conversation.Id, 1, Ct));
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData(null, "http://127.0.0.1:1", null, "Storage:DynamoDb:TableName is required")]
    [InlineData("ab", "http://127.0.0.1:1", null, "Storage:DynamoDb:TableName is 'ab', which DynamoDB does not accept")]
    [InlineData("my table", "http://127.0.0.1:1", null, "Storage:DynamoDb:TableName is 'my table', which DynamoDB does not accept")]
    [InlineData("chatbot", null, null, "Storage:DynamoDb:CursorKey is required outside an emulator")]
    [InlineData("chatbot", null, "c2hvcnQ=", "Storage:DynamoDb:CursorKey must be base64 of at least 32")]
    [InlineData("chatbot", "not a url", null, "Storage:DynamoDb:ServiceUrl 'not a url' is not an absolute URL")]
    public async Task Startup_WithBadSettings_FailsNamingTheSetting(string? tableName, string? serviceUrl, string? cursorKey, string expected)
    {
        using var host = BuildHost(new()
        {
            ["Storage:DynamoDb:TableName"] = tableName,
            ["Storage:DynamoDb:ServiceUrl"] = serviceUrl,
            ["Storage:DynamoDb:CursorKey"] = cursorKey,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDynamoDbConversationStore(builder.Configuration.GetSection("Storage"));
        return builder.Build();
    }
}
