using System.Net;
using System.Net.Http.Json;
using ChatBot.TestKit;

namespace ChatBot.Api.Tests;

/// <summary>
/// Choosing the model: the list, the conversation's choice, a choice per message, and a model id that is not offered. Runs the
/// real embedded backend with two models (the tiny model under two names), so switching really unloads one and loads the other.
/// </summary>
public sealed class ModelChoiceApiTests : IDisposable
{
    private const string User = "alice";
    private readonly string _models = Directory.CreateTempSubdirectory("chatbot-models-").FullName;

    public ModelChoiceApiTests() => TinyGgufModel.Write(Path.Combine(_models, "second-model.gguf"));

    [Fact]
    public async Task Models_ListsTheConfiguredModelFirstAsTheDefault_ThenTheFolder()
    {
        using var app = NewApp();

        var list = await app.ClientFor(User).GetFromJsonAsync<ModelListDto>("/api/models", ApiTestApp.Json);

        Assert.NotNull(list);
        Assert.Equal(2, list.Items.Count);
        Assert.Equal(list.DefaultModel, list.Items[0].Id);
        Assert.True(list.Items[0].Default);
        Assert.Equal(("second-model", "second-model", "llamasharp", 512, false), (list.Items[1].Id, list.Items[1].DisplayName, list.Items[1].Provider, list.Items[1].ContextWindow, list.Items[1].Default));
    }

    [Fact]
    public async Task EachAnswer_RecordsItsModel_TheConversationRemembersItsChoice_AndSwitchingMidConversationWorks()
    {
        using var app = NewApp();
        var client = app.ClientFor(User);
        var created = await client.PostAsJsonAsync("/api/conversations", new { model = "second-model" });
        var conversation = (await created.Content.ReadFromJsonAsync<FeatureConversationDto>(ApiTestApp.Json))!;
        Assert.Equal("second-model", conversation.Model);

        var first = await ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "hello" }));
        var defaultModel = (await client.GetFromJsonAsync<ModelListDto>("/api/models", ApiTestApp.Json))!.DefaultModel;
        var second = await ReadTurnAsync(await client.SendJsonAsync(conversation.Id, new { content = "again", model = defaultModel }));
        var patched = await client.PatchAsJsonAsync($"/api/conversations/{conversation.Id}", new { model = "" });

        Assert.Equal("second-model", first.Assistant.Model);
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, first.Assistant.Content);
        Assert.Equal(defaultModel, second.Assistant.Model);
        Assert.Equal(TinyGgufModel.ExpectedChatAnswer, second.Assistant.Content);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var stored = await client.GetFromJsonAsync<FeatureConversationDto>($"/api/conversations/{conversation.Id}", ApiTestApp.Json);
        Assert.Null(stored!.Model);
        Assert.Equal(["second-model", defaultModel], stored.Messages!.Where(m => m.Role == "assistant").Select(m => m.Model));
    }

    [Fact]
    public async Task AModelThatIsNotOffered_Is400OnEveryRoute_AndNothingIsStored()
    {
        using var app = NewApp();
        var client = app.ClientFor(User);
        var conversation = await client.CreateConversationAsync();

        var create = await client.PostAsJsonAsync("/api/conversations", new { model = "gpt-7" });
        var patch = await client.PatchAsJsonAsync($"/api/conversations/{conversation.Id}", new { model = "../second-model" });
        var send = await client.SendJsonAsync(conversation.Id, new { content = "hi", model = "SECOND-MODEL" });
        var regenerate = await client.PostAsJsonAsync($"/api/conversations/{conversation.Id}/regenerate", new { model = "nope" });

        foreach (var response in new[] { create, patch, send, regenerate })
        {
            var problem = await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.Contains("second-model", problem.Detail, StringComparison.Ordinal);
        }

        var list = await client.GetFromJsonAsync<ConversationListDto>("/api/conversations", ApiTestApp.Json);
        Assert.Equal([conversation.Id], list!.Items.Select(c => c.Id));
        Assert.Empty((await client.GetConversationAsync(conversation.Id)).Messages!);
    }

    public void Dispose() => Directory.Delete(_models, recursive: true);

    internal static async Task<FeatureTurnDto> ReadTurnAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FeatureTurnDto>(ApiTestApp.Json))!;
    }

    private ApiTestApp NewApp() => new(settings: new Dictionary<string, string?> { ["Llm:LlamaSharp:ModelsDirectory"] = _models });
}

public sealed record ModelDto(string Id, string DisplayName, string Provider, int? ContextWindow, bool Default);

public sealed record ModelListDto(List<ModelDto> Items, string DefaultModel);

public sealed record FeedbackDto(string Rating, string? Comment, DateTimeOffset At);

public sealed record FeatureMessageDto(
    string Id, string Role, string Content, string Status, string? Model, string? FinishReason, FeedbackDto? Feedback, UsageDto? Usage);

public sealed record FeatureConversationDto(string Id, string? Title, string? Model, string? Instructions, List<FeatureMessageDto>? Messages);

public sealed record FeatureTurnDto(FeatureMessageDto User, FeatureMessageDto Assistant);
