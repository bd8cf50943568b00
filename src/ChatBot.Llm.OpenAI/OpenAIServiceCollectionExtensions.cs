using System.ClientModel;
using System.ClientModel.Primitives;
using ChatBot.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace ChatBot.Llm.OpenAI;

public static class OpenAIServiceCollectionExtensions
{
    /// <summary>
    /// Registers an OpenAI-compatible server as the <see cref="IChatClient"/> (<c>Llm:Provider=OpenAI</c>), with options bound
    /// from <c>OpenAI</c> under <paramref name="llmSection"/> and validated at startup. Returns the builder so the host can add
    /// <c>UseLogging()</c> and <c>UseOpenTelemetry()</c>.
    /// </summary>
    public static ChatClientBuilder AddOpenAICompatibleChatClient(this IServiceCollection services, IConfiguration llmSection)
    {
        services.AddOptions<OpenAICompatibleOptions>().Bind(llmSection.GetSection(OpenAICompatibleOptions.SectionName))
            .ValidateWith<OpenAICompatibleOptions, OpenAICompatibleOptionsValidator>();

        return services.AddChatClient(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OpenAICompatibleOptions>>().Value;
            var endpoint = options.Endpoint!;
            var modelId = options.ModelId!;
            var clientOptions = new OpenAIClientOptions
            {
                Endpoint = endpoint,
                RetryPolicy = new ClientRetryPolicy(options.MaxRetries),
                NetworkTimeout = options.NetworkTimeout,
            };

            // The OpenAI client insists on a key; servers started without one (llama-server by default) ignore it.
            var credential = new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "no-key" : options.ApiKey);
            var chatClient = new ChatClient(modelId, credential, clientOptions).AsIChatClient();
            return new OpenAIErrorMappingChatClient(chatClient, endpoint, modelId);
        });
    }
}
