using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatBot.TestKit.Bedrock;

/// <summary>AWS credentials a fake service accepts.</summary>
public sealed record FakeAwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>A request as it arrived on the wire: the raw (still escaped) target, every header, and the body bytes.</summary>
public sealed record WireRequest(string Method, string RawTarget, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>What checking a signature found: the problems (none means it verifies) and the canonical request it rebuilt.</summary>
public sealed record SigV4Verification(IReadOnlyList<string> Problems, string? AccessKeyId, string? CanonicalRequest)
{
    public bool Verified => Problems.Count == 0;
}

/// <summary>
/// Checks an AWS Signature Version 4 <c>Authorization</c> header the way an AWS service does, implemented from the
/// specification and independent of the AWS SDK, so a test does not use the signer to check itself.
/// </summary>
public static partial class SigV4Verifier
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    public static SigV4Verification Verify(
        WireRequest request, string region, string service, Func<string, FakeAwsCredentials?> findCredentials, DateTimeOffset now)
    {
        var problems = new List<string>();
        var authorization = Header(request, "authorization");
        if (authorization is null)
        {
            return new(["The Authorization header is missing."], null, null);
        }

        var match = AuthorizationPattern().Match(authorization);
        if (!match.Success)
        {
            return new([$"The Authorization header does not have the SigV4 shape: '{authorization}'."], null, null);
        }

        var accessKeyId = match.Groups["key"].Value;
        var scopeDate = match.Groups["date"].Value;
        var scopeRegion = match.Groups["region"].Value;
        var scopeService = match.Groups["service"].Value;
        var signedHeaders = match.Groups["headers"].Value.Split(';');
        var signature = match.Groups["signature"].Value;

        if (scopeRegion != region)
        {
            problems.Add($"The credential scope names region '{scopeRegion}', not '{region}'.");
        }

        if (scopeService != service)
        {
            problems.Add($"The credential scope names service '{scopeService}', not '{service}'.");
        }

        var amzDate = Header(request, "x-amz-date");
        if (amzDate is null
            || !DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return new([.. problems, $"X-Amz-Date is missing or malformed: '{amzDate}'."], accessKeyId, null);
        }

        if (!amzDate.StartsWith(scopeDate, StringComparison.Ordinal))
        {
            problems.Add($"The credential scope date {scopeDate} is not the date of X-Amz-Date {amzDate}.");
        }

        if ((now - signedAt).Duration() > TimeSpan.FromMinutes(5))
        {
            problems.Add($"The signature was made at {amzDate}, more than 5 minutes from now.");
        }

        if (!signedHeaders.SequenceEqual(signedHeaders.Order(StringComparer.Ordinal)) || signedHeaders.Any(h => h.Any(char.IsUpper)))
        {
            problems.Add("SignedHeaders must be lowercase and sorted.");
        }

        foreach (var required in new[] { "host", "x-amz-date" })
        {
            if (!signedHeaders.Contains(required))
            {
                problems.Add($"SignedHeaders does not include '{required}'.");
            }
        }

        var credentials = findCredentials(accessKeyId);
        if (credentials is null)
        {
            return new([.. problems, $"The access key id '{accessKeyId}' is not known."], accessKeyId, null);
        }

        if (credentials.SessionToken is not null)
        {
            if (Header(request, "x-amz-security-token") != credentials.SessionToken)
            {
                problems.Add("X-Amz-Security-Token is missing or is not the session token of these credentials.");
            }
            else if (!signedHeaders.Contains("x-amz-security-token"))
            {
                problems.Add("SignedHeaders does not include 'x-amz-security-token'.");
            }
        }

        var payloadHash = Hex(SHA256.HashData(request.Body));
        if (Header(request, "x-amz-content-sha256") is { } declaredHash && declaredHash != payloadHash)
        {
            problems.Add("X-Amz-Content-SHA256 is not the SHA-256 of the body.");
        }

        var canonicalRequest = CanonicalRequest(request, signedHeaders, payloadHash);
        var scope = $"{scopeDate}/{scopeRegion}/{scopeService}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = SigningKey(credentials.SecretAccessKey, scopeDate, scopeRegion, scopeService);
        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            problems.Add($"The signature does not match. Canonical request:\n{canonicalRequest}");
        }

        return new(problems, accessKeyId, canonicalRequest);
    }

    /// <summary>
    /// Method, canonical URI, canonical query, canonical headers, signed headers and payload hash, one per line. For every
    /// service but S3 the canonical URI escapes each segment of the already-escaped wire path once more, so a model id's
    /// <c>%3A</c> becomes <c>%253A</c>.
    /// </summary>
    public static string CanonicalRequest(WireRequest request, IReadOnlyList<string> signedHeaders, string payloadHash)
    {
        var queryStart = request.RawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? request.RawTarget : request.RawTarget[..queryStart];
        var query = queryStart < 0 ? "" : request.RawTarget[(queryStart + 1)..];

        var canonicalUri = string.Join('/', path.Split('/').Select(UriEncode));
        var canonicalQuery = string.Join('&', query
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
                return (Name: UriEncode(name), Value: UriEncode(value));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

        var canonicalHeaders = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            var values = request.Headers
                .Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
                .Select(h => Whitespace().Replace(h.Value.Trim(), " "));
            canonicalHeaders.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        return $"{request.Method}\n{canonicalUri}\n{canonicalQuery}\n{canonicalHeaders}\n{string.Join(';', signedHeaders)}\n{payloadHash}";
    }

    /// <summary>RFC 3986 escaping as SigV4 defines it: everything but <c>A-Z a-z 0-9 - _ . ~</c> becomes <c>%XX</c> (upper case).</summary>
    public static string UriEncode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    private static string? Header(WireRequest request, string name)
    {
        var values = request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(',', values);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[A-Z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?<headers>[a-z0-9;-]+), ?Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationPattern();

    [GeneratedRegex(" +")]
    private static partial Regex Whitespace();
}
