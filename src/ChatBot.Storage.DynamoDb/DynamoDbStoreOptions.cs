using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ChatBot.Storage.DynamoDb;

/// <summary>The DynamoDB store's settings, bound from <c>Storage:DynamoDb</c>.</summary>
public sealed class DynamoDbStoreOptions
{
    public const string SectionName = "DynamoDb";

    /// <summary>The single table that holds every user's conversations (the CDK stack owns it in AWS).</summary>
    public string TableName { get; set; } = "";

    /// <summary>An emulator's endpoint, such as http://127.0.0.1:4567. Unset in AWS, where the region's endpoint is used.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Create the table at startup if it is missing, and wait until it is active. For local runs only.</summary>
    public bool CreateTable { get; set; }

    /// <summary>
    /// The base64 key (at least 32 bytes) that signs list cursors. Every instance must share it, so it is required in AWS;
    /// with an emulator and no key, each process makes up its own, and cursors die with the process.
    /// </summary>
    public string? CursorKey { get; set; }

    /// <summary>Attempts per request, the first included, in the SDK's standard retry mode (backoff with jitter).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>How long one HTTP attempt may take before the SDK gives up on it and retries.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Checks the settings at startup, naming the key to fix.</summary>
public sealed partial class DynamoDbStoreOptionsValidator : IValidateOptions<DynamoDbStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, DynamoDbStoreOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TableName))
        {
            failures.Add("Storage:DynamoDb:TableName is required: the name of the conversations table.");
        }
        else if (!TableNameRule().IsMatch(options.TableName))
        {
            // DynamoDB's own rule; checked here so a typo stops the app at once instead of failing every request.
            failures.Add($"Storage:DynamoDb:TableName is '{options.TableName}', which DynamoDB does not accept: use 3 to 255 letters, digits, '_', '-' or '.'.");
        }

        if (options.ServiceUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            failures.Add($"Storage:DynamoDb:ServiceUrl '{url}' is not an absolute URL, such as http://127.0.0.1:4567.");
        }

        if (options.CursorKey is { Length: > 0 } key)
        {
            if (!TryDecodeKey(key, out var bytes) || bytes.Length < Core.ConversationCursor.MinKeyBytes)
            {
                failures.Add($"Storage:DynamoDb:CursorKey must be base64 of at least {Core.ConversationCursor.MinKeyBytes} random bytes (for example: openssl rand -base64 32).");
            }
        }
        else if (string.IsNullOrEmpty(options.ServiceUrl))
        {
            failures.Add("Storage:DynamoDb:CursorKey is required outside an emulator: every instance must sign list cursors with the same key. Set it to base64 of 32 random bytes (openssl rand -base64 32), kept as a secret.");
        }

        if (options.MaxAttempts is < 1 or > 10)
        {
            failures.Add("Storage:DynamoDb:MaxAttempts must be between 1 and 10.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("Storage:DynamoDb:RequestTimeout must be more than zero and at most 00:01:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool TryDecodeKey(string base64, out byte[] key)
    {
        key = new byte[base64.Length];
        if (Convert.TryFromBase64String(base64, key, out var written))
        {
            key = key[..written];
            return true;
        }

        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,255}$")]
    private static partial Regex TableNameRule();
}
