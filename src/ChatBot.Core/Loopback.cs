using System.Net;

namespace ChatBot.Core;

/// <summary>Whether an address stays on this machine: the one test every "loopback only" rule uses.</summary>
public static class Loopback
{
    /// <summary>True for <c>localhost</c> and any loopback IP (127.0.0.0/8, <c>[::1]</c>).</summary>
    public static bool Is(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary><see cref="Is(Uri)"/> for a URL given as text; false when it is not an absolute URL.</summary>
    public static bool Is(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && Is(uri);
}
