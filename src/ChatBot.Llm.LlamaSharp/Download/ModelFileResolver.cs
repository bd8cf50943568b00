using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Llm.LlamaSharp.Download;

// Decides which model file to load: with Llm:LlamaSharp:ModelS3Uri, the S3 object copied to Llm:LlamaSharp:ModelPath (a complete copy of the
// same object version already there is kept); else Llm:LlamaSharp:ModelPath when set; otherwise the default model in the user's
// cache, downloaded there on first run.
internal sealed class ModelFileResolver(IOptions<LlamaSharpOptions> options, IHttpClientFactory httpClientFactory, S3ModelSource s3, ILoggerFactory loggerFactory)
{
    public const string HttpClientName = "ChatBot.Llm.ModelDownloader";

    // The model's name comes from the file it was made from: with S3, the object's key, not the local copy's fixed name.
    public static string ModelIdFor(LlamaSharpOptions options) =>
        S3ObjectUri.TryParse(options.ModelS3Uri, out var s3Object) ? s3Object.Key
        : !string.IsNullOrWhiteSpace(options.ModelPath) ? options.ModelPath
        : CachedFileName(options);

    public async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.ModelS3Uri))
        {
            await s3.FetchAsync(settings, settings.ModelPath!, cancellationToken);
            return settings.ModelPath!;
        }

        if (!string.IsNullOrWhiteSpace(settings.ModelPath))
        {
            return settings.ModelPath;
        }

        var path = Path.Combine(settings.ResolveCacheDirectory(), CachedFileName(settings));
        if (File.Exists(path) && await ModelDownloader.StartsWithGgufMagicAsync(path, cancellationToken))
        {
            return path;
        }

        var downloader = new ModelDownloader(httpClientFactory.CreateClient(HttpClientName), loggerFactory.CreateLogger<ModelDownloader>());
        await downloader.DownloadAsync(new Uri(settings.DownloadUrl), path, cancellationToken);
        return path;
    }

    private static string CachedFileName(LlamaSharpOptions options)
    {
        var name = Uri.TryCreate(options.DownloadUrl, UriKind.Absolute, out var url) ? Path.GetFileName(url.AbsolutePath) : "";
        return name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? name : "model.gguf";
    }
}
