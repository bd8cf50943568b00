using System.Net.Http.Json;

namespace ChatBot.Api.Tests;

/// <summary>Search, export and delete-all on DynamoDB (dynalite) and Redis.</summary>
public sealed partial class AwsAdaptersApiTests
{
    [Fact]
    public async Task SearchExportAndDeleteAll_WorkOnDynamoDb()
    {
        using var app = CreateApp(new ScriptedChatClient("Zürich has a great lake."));
        var client = app.ClientFor("carol");
        var lake = await client.CreateConversationAsync();
        await client.SendJsonAsync(lake.Id, new { content = "Where to swim in Zurich?" });
        await client.CreateConversationAsync("Other");

        var results = await client.GetFromJsonAsync<SearchResultListDto>("/api/conversations/search?q=zurich+swim", ApiTestApp.Json);
        var export = await client.GetStringAsync("/api/conversations/export");
        var deleted = await (await client.DeleteAsync("/api/conversations")).Content.ReadFromJsonAsync<DeleteAllDto>(ApiTestApp.Json);

        Assert.Equal(lake.Id, Assert.Single(results!.Items).Id);
        Assert.Contains("Zürich has a great lake.", export, StringComparison.Ordinal);
        Assert.Equal(2, deleted!.Deleted);
        Assert.Empty((await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json))!.Items);
    }
}
