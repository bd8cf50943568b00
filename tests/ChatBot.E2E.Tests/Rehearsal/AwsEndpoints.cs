using System.Net;
using System.Text.RegularExpressions;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// The one place where the rehearsal swaps an AWS endpoint for a local server. The browser, the edge, the gateway and
/// the function all keep the deployed host names (in the CSP, config.json, the app client's URLs, the function's
/// environment); only the connection is made to the local server that stands in for the host. Only AWS endpoint hosts
/// can be mapped, so nothing else the stack names can be quietly redirected.
/// </summary>
public sealed partial class AwsEndpoints
{
    private readonly Dictionary<string, Uri> _origins = new(StringComparer.OrdinalIgnoreCase);
    private readonly IReadOnlyList<string> _privateNamespaces;

    /// <param name="privateNamespaces">Cloud Map private DNS namespaces the stack declares, whose names resolve only inside its VPC.</param>
    public AwsEndpoints(IEnumerable<string>? privateNamespaces = null)
    {
        _privateNamespaces = [.. privateNamespaces ?? []];
    }

    /// <summary>Hosts AWS answers for: regional service endpoints, Cognito hosted UI domains, CloudFront distributions, and the stack's private names.</summary>
    public bool IsAwsEndpoint(string host) =>
        HostName().IsMatch(host)
        && (host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".amazoncognito.com", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".cloudfront.net", StringComparison.OrdinalIgnoreCase)
            || _privateNamespaces.Any(n => host.EndsWith("." + n, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Connections to <paramref name="host"/> go to <paramref name="localOrigin"/> (scheme, loopback address and port).</summary>
    public void Map(string host, Uri localOrigin)
    {
        if (!IsAwsEndpoint(host))
        {
            throw new ArgumentException($"'{host}' is not an AWS endpoint host; the rehearsal maps only those to local servers.", nameof(host));
        }

        if (!localOrigin.IsLoopback || localOrigin.AbsolutePath != "/")
        {
            throw new ArgumentException($"'{localOrigin}' is not a loopback origin.", nameof(localOrigin));
        }

        _origins[host] = localOrigin;
    }

    /// <summary>The local server standing in for <paramref name="host"/>, or null when it is not mapped.</summary>
    public Uri? LocalOrigin(string host) => _origins.GetValueOrDefault(host);

    /// <summary>Where to connect for <paramref name="host"/>, or null when it is not mapped.</summary>
    public IPEndPoint? LocalEndPoint(string host) =>
        LocalOrigin(host) is { } origin ? new IPEndPoint(IPAddress.Loopback, origin.Port) : null;

    /// <summary>
    /// Rewrites every mapped host in <paramref name="text"/>, with its scheme and port, to its local origin:
    /// <c>https://bedrock-runtime.us-west-2.amazonaws.com/x</c> becomes <c>http://127.0.0.1:5123/x</c>, and a bare
    /// <c>host:6379</c> (a Redis configuration) becomes <c>127.0.0.1:5124</c>. Anything else is left as it is.
    /// </summary>
    public string Rewrite(string text) => EndpointInText().Replace(text, match =>
    {
        if (LocalOrigin(match.Groups["host"].Value) is not { } origin)
        {
            return match.Value;
        }

        var local = $"{origin.Host}:{origin.Port}";
        return match.Groups["scheme"].Success ? $"{origin.Scheme}://{local}" : local;
    });

    [GeneratedRegex(@"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", RegexOptions.IgnoreCase)]
    private static partial Regex HostName();

    // A host name not glued to more host characters on either side, with an optional scheme before and port after.
    [GeneratedRegex(@"(?<scheme>\b[a-z][a-z0-9+.-]*://)?(?<![a-z0-9.-])(?<host>[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+)(?![a-z0-9-]|\.[a-z0-9])(:\d+)?", RegexOptions.IgnoreCase)]
    private static partial Regex EndpointInText();
}
