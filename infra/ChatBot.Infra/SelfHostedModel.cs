using System.Text.RegularExpressions;

namespace ChatBot.Infra;

/// <summary>
/// The GGUF model a self-hosted backend runs: an https URL, or a Hugging Face repository and file. The stack never
/// downloads it at synth (there may be no internet there); llama-server fetches it when a task starts (llm=fargate)
/// and a deploy-time function copies it into S3 (llm=lambda).
/// </summary>
public sealed partial record SelfHostedModel
{
    /// <summary>Qwen2.5 0.5B Instruct, Q4_K_M (Apache-2.0): small enough for a CPU, a 2 vCPU task and Lambda alike.</summary>
    public const string Default = "Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf";

    /// <summary>Where the file can be fetched with a plain GET.</summary>
    public required string Url { get; init; }

    /// <summary>The Hugging Face repository (<c>owner/repo</c>), or null for any other URL.</summary>
    public required string? HuggingFaceRepo { get; init; }

    /// <summary>The file's path in that repository, or null for any other URL.</summary>
    public required string? HuggingFacePath { get; init; }

    /// <summary>The file name, such as <c>qwen2.5-0.5b-instruct-q4_k_m.gguf</c>.</summary>
    public required string FileName { get; init; }

    /// <summary>The name the API asks for (<c>Llm:OpenAI:ModelId</c>) and llama-server answers to: the file name without <c>.gguf</c>.</summary>
    public string Name => FileName[..^".gguf".Length];

    public static bool TryParse(string value, out SelfHostedModel model)
    {
        model = null!;
        if (HuggingFacePattern().Match(value) is { Success: true } hf)
        {
            var repo = hf.Groups["repo"].Value;
            var path = hf.Groups["path"].Value;
            model = new SelfHostedModel
            {
                Url = $"https://huggingface.co/{repo}/resolve/main/{path}",
                HuggingFaceRepo = repo,
                HuggingFacePath = path,
                FileName = path[(path.LastIndexOf('/') + 1)..],
            };
            return true;
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
            && uri.AbsolutePath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && FileNamePattern().IsMatch(uri.Segments[^1]))
        {
            model = new SelfHostedModel { Url = uri.AbsoluteUri, HuggingFaceRepo = null, HuggingFacePath = null, FileName = uri.Segments[^1] };
            return true;
        }

        return false;
    }

    /// <summary>The path in the repository may have folders; each part is a plain name (no <c>..</c>, no query).</summary>
    [GeneratedRegex(@"^(?<repo>[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)/(?<path>([A-Za-z0-9][A-Za-z0-9._-]*/)*[A-Za-z0-9][A-Za-z0-9._-]*\.gguf)$")]
    private static partial Regex HuggingFacePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex FileNamePattern();
}

/// <summary>An S3 object named by the user as <c>s3://bucket/key</c>.</summary>
public sealed partial record S3ObjectLocation(string Bucket, string Key)
{
    public string Uri => $"s3://{Bucket}/{Key}";

    public static bool TryParse(string value, out S3ObjectLocation location)
    {
        location = null!;
        var match = Pattern().Match(value);
        if (!match.Success)
        {
            return false;
        }

        location = new S3ObjectLocation(match.Groups["bucket"].Value, match.Groups["key"].Value);
        return true;
    }

    /// <summary>S3 bucket naming rules (3-63 lowercase letters, digits, dots, hyphens) and a key with no wildcard.</summary>
    [GeneratedRegex(@"^s3://(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?<key>[^*?\s][^*?]*)$")]
    private static partial Regex Pattern();
}
