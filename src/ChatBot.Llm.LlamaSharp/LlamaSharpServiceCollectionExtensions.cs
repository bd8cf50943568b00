using ChatBot.Core;
using ChatBot.Llm.LlamaSharp.Download;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.LlamaSharp;

public static class LlamaSharpServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded llama.cpp model as the app's <see cref="IChatClient"/> (<c>Llm:Provider=LlamaSharp</c>), with
    /// options bound from <c>LlamaSharp</c> under <paramref name="llmSection"/> and validated at startup. Returns the builder
    /// so the host can add <c>UseLogging()</c> and <c>UseOpenTelemetry()</c>.
    /// </summary>
    /// <remarks>
    /// The model is found (downloaded on first run, or copied from S3 with <c>Llm:LlamaSharp:ModelS3Uri</c>) and loaded
    /// while the host starts, not on the first request: a first chat turn that silently waits minutes for a download looks
    /// broken, a progress bar at startup does not, and a missing or broken model stops the app at once with a clear message.
    /// </remarks>
    public static ChatClientBuilder AddLlamaSharpChatClient(this IServiceCollection services, IConfiguration llmSection)
    {
        services.AddOptions<LlamaSharpOptions>().Bind(llmSection.GetSection(LlamaSharpOptions.SectionName))
            .ValidateWith<LlamaSharpOptions, LlamaSharpOptionsValidator>();

        // A model is hundreds of megabytes: HttpClient's default 100 s timeout would kill the download, and
        // ModelDownloader has its own stall timeout instead. ModelDownloader logs its own progress and failures, so the
        // client's per-request logs (a stack trace for every failed attempt when offline) would only repeat them.
        services.AddHttpClient(ModelFileResolver.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();
        services.AddSingleton(sp => new S3ModelSource(sp.GetService<Amazon.Runtime.AWSCredentials>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<ModelFileResolver>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LlamaSharpOptions>>().Value;
            var resolver = sp.GetRequiredService<ModelFileResolver>();
            return new LlamaModelLoader(OfferedModels(options, resolver), sp.GetRequiredService<ILoggerFactory>());
        });
        services.RunAtStartup((sp, cancellationToken) => sp.GetRequiredService<LlamaModelLoader>().GetModelAsync(cancellationToken));

        return services.AddChatClient(sp => new LlamaSharpErrorMappingChatClient(new LlamaSharpChatClient(
            sp.GetRequiredService<LlamaModelLoader>(),
            sp.GetRequiredService<IOptions<LlamaSharpOptions>>().Value,
            sp.GetRequiredService<ILogger<LlamaSharpChatClient>>())));
    }

    // The configured model first (the default), then every other *.gguf in Llm:LlamaSharp:ModelsDirectory, by name.
    private static List<KeyValuePair<string, Func<CancellationToken, Task<string>>>> OfferedModels(LlamaSharpOptions options, ModelFileResolver resolver)
    {
        var models = new List<KeyValuePair<string, Func<CancellationToken, Task<string>>>>
        {
            new(LlamaModelLoader.IdOf(ModelFileResolver.ModelIdFor(options)), resolver.ResolveAsync),
        };
        if (!string.IsNullOrWhiteSpace(options.ModelsDirectory) && Directory.Exists(options.ModelsDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(options.ModelsDirectory, "*.gguf").Order(StringComparer.Ordinal))
            {
                var id = LlamaModelLoader.IdOf(file);
                if (models.TrueForAll(m => m.Key != id))
                {
                    models.Add(new(id, _ => Task.FromResult(file)));
                }
            }
        }
        return models;
    }
}
