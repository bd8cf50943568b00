using ChatBot.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.OpenAI;

public static class OpenAIServiceCollectionExtensions
{
    /// <summary>The named <see cref="HttpClient"/> that carries calls to the OpenAI-compatible server.</summary>
    public const string HttpClientName = "ChatBot.OpenAI";

    /// <summary>
    /// Registers an OpenAI-compatible server as the <see cref="IChatClient"/> (<c>Llm:Provider=OpenAI</c>), with options bound
    /// from <c>OpenAI</c> under <paramref name="llmSection"/> and validated at startup. Returns the builder so the host can add
    /// <c>UseLogging()</c> and <c>UseOpenTelemetry()</c>.
    /// </summary>
    public static ChatClientBuilder AddOpenAICompatibleChatClient(this IServiceCollection services, IConfiguration llmSection)
    {
        services.AddOptions<OpenAICompatibleOptions>().Bind(llmSection.GetSection(OpenAICompatibleOptions.SectionName))
            .ValidateWith<OpenAICompatibleOptions, OpenAICompatibleOptionsValidator>();

        // Llm:OpenAI:NetworkTimeout bounds each call, streaming included (OpenAICompatibleChatClient); HttpClient's own
        // timeout would only cover the wait for the headers.
        services.AddHttpClient(HttpClientName).ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);

        return services.AddChatClient(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OpenAICompatibleOptions>>().Value;
            var chatClient = new OpenAICompatibleChatClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), options);
            return new OpenAIErrorMappingChatClient(chatClient, options.Endpoint!, options.ModelId!);
        });
    }
}
