namespace ChatBot.Llm.Bedrock;

/// <summary>How ChatBot calls Amazon Bedrock, bound from <c>Llm:Bedrock</c> when <c>Llm:Provider=Bedrock</c>.</summary>
public sealed class BedrockOptions
{
    /// <summary>The subsection of <c>Llm</c> these options are bound from.</summary>
    public const string SectionName = "Bedrock";

    /// <summary>
    /// A Bedrock model id or inference profile id, such as <c>openai.gpt-oss-20b-1:0</c> or
    /// <c>us.meta.llama3-3-70b-instruct-v1:0</c>, or an inference profile ARN.
    /// </summary>
    public string ModelId { get; set; } = "openai.gpt-oss-20b-1:0";

    /// <summary>
    /// Models users may choose besides <see cref="ModelId"/>, which stays the default (on AWS, the CDK context <c>models</c>
    /// sets both: the first is the default). Model or inference profile ids, as <see cref="ModelId"/>.
    /// </summary>
    public string[] Models { get; set; } = [];

    /// <summary>The AWS region, such as <c>us-east-1</c>. When empty, <c>AWS_REGION</c> (set on Lambda) or <c>AWS_DEFAULT_REGION</c> is used.</summary>
    public string? Region { get; set; }

    /// <summary>Overrides <c>https://bedrock-runtime.{Region}.amazonaws.com</c>, for FIPS or VPC endpoint names and for tests.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>How long to wait for Bedrock to start answering, and then for each next part of a streamed answer.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most time spent waiting between retries of throttled or unavailable calls. Retries happen only before any
    /// text has been streamed; when the budget is spent the caller is told to come back later.
    /// </summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first retry waits up to this long; each next one up to twice as long, with full jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>The most retries of one call, within <see cref="RetryBudget"/>.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The runtime endpoint for these options.</summary>
    public Uri ResolveEndpoint() => Endpoint ?? new Uri($"https://bedrock-runtime.{Region}.amazonaws.com/");
}
