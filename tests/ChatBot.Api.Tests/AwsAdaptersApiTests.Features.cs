using System.Net;
using System.Net.Http.Json;
using ChatBot.TestKit;

namespace ChatBot.Api.Tests;

/// <summary>Model choice, instructions, continue, edit and feedback on the AWS adapters: DynamoDB (dynalite) and Redis.</summary>
public sealed partial class AwsAdaptersApiTests
{
    [Fact]
    public async Task Features_OnDynamoDbAndRedis_ContinueEditFeedbackInstructionsAndModel()
    {
        // The real embedded model, ten tokens per answer: its 27-token alphabet takes two continues to finish.
        using var app = CreateApp(model: null, new Dictionary<string, string?> { ["Chat:MaxOutputTokens"] = "10" });
        var client = app.ClientFor("alice");
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/me/settings", new { instructions = "Be brief." })).StatusCode);
        var created = await client.PostAsJsonAsync("/api/conversations", new { });
        var conversation = (await created.Content.ReadFromJsonAsync<FeatureConversationDto>(ApiTestApp.Json))!;
        var models = (await client.GetFromJsonAsync<ModelListDto>("/api/models", ApiTestApp.Json))!;

        var cut = await ModelChoiceApiTests.ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "hello", model = models.DefaultModel }));
        var once = await ModelChoiceApiTests.ReadTurnAsync(await client.PostAsync($"/api/conversations/{conversation.Id}/continue", null));
        var twice = await ModelChoiceApiTests.ReadTurnAsync(await client.PostAsync($"/api/conversations/{conversation.Id}/continue", null));
        var edited = await ModelChoiceApiTests.ReadTurnAsync(
            await client.PutAsJsonAsync($"/api/conversations/{conversation.Id}/messages/{cut.User.Id}", new { content = "hello again" }));
        var rated = await client.PutAsJsonAsync(
            $"/api/conversations/{conversation.Id}/messages/{edited.Assistant.Id}/feedback", new { rating = "down", comment = "cut off" });

        Assert.Equal("Be brief.", conversation.Instructions);
        Assert.Equal(("abcdefghij", "length", models.DefaultModel), (cut.Assistant.Content, cut.Assistant.FinishReason, cut.Assistant.Model));
        Assert.Equal((cut.Assistant.Id, "abcdefghijklmnopqrst"), (once.Assistant.Id, once.Assistant.Content));
        Assert.Equal((cut.Assistant.Id, TinyGgufModel.ExpectedChatAnswer, "stop"), (twice.Assistant.Id, twice.Assistant.Content, twice.Assistant.FinishReason));
        Assert.Equal(HttpStatusCode.OK, rated.StatusCode);
        var stored = (await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json))!;
        Assert.Equal(["hello again", "abcdefghij"], stored.Messages!.Select(m => m.Content));
        Assert.Equal([cut.User.Id, edited.Assistant.Id], stored.Messages!.Select(m => m.Id));
        Assert.Equal(("down", "cut off"), (stored.Messages![1].Feedback!.Rating, stored.Messages[1].Feedback!.Comment));
    }
}
