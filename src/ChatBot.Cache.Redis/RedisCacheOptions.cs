using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Cache.Redis;

/// <summary>The Redis connection, bound from <c>Cache:Redis</c>. How much is kept, and for how long, is <c>Cache</c>'s.</summary>
public sealed class RedisCacheOptions
{
    public const string SectionName = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, such as <c>my-cache.serverless.use1.cache.amazonaws.com:6379,ssl=true,password=...</c>
    /// (ElastiCache Serverless needs <c>ssl=true</c>; <c>user=</c>/<c>password=</c> give AUTH).
    /// </summary>
    public string Configuration { get; set; } = "";

    /// <summary>A PEM file with the CA that signed the server's certificate, when it is not publicly trusted (self-hosted Redis).</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Prepended to every key, so one Redis can serve several deployments.</summary>
    public string KeyPrefix { get; set; } = "chatbot:";

    /// <summary>The longest a cache call may take before it counts as a miss: a slow cache must not slow down a turn.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>After a failure, how long calls skip Redis (as misses) before trying it again.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connect while the app starts, so its first turns can already hit. False leaves the connection to the first call
    /// (a miss while it connects): for Lambda SnapStart, whose init ends in a snapshot where a connection would be frozen
    /// and found dead after every restore.
    /// </summary>
    public bool ConnectAtStartup { get; set; } = true;
}

/// <summary>Checks the settings at startup, naming the key to fix.</summary>
public sealed class RedisCacheOptionsValidator : IValidateOptions<RedisCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisCacheOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            failures.Add("Cache:Redis:Configuration is required with Cache:Provider=Redis: a StackExchange.Redis configuration string such as host:6379,ssl=true,password=...");
        }
        else
        {
            try
            {
                ConfigurationOptions.Parse(options.Configuration);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"Cache:Redis:Configuration is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }

        if (options.CaCertificatePath is { Length: > 0 } path && !File.Exists(path))
        {
            failures.Add($"Cache:Redis:CaCertificatePath '{path}' does not exist.");
        }

        if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add("Cache:Redis:OperationTimeout must be more than zero and at most 00:00:30.");
        }

        if (options.RetryAfter < TimeSpan.Zero || options.RetryAfter > TimeSpan.FromMinutes(10))
        {
            failures.Add("Cache:Redis:RetryAfter must be between 00:00:00 and 00:10:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
