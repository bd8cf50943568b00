using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// The browser's network: an HTTP CONNECT proxy that tunnels each connection to the local server
/// <see cref="AwsEndpoints"/> maps its host to. TLS runs end to end through the tunnel, so the browser sees the
/// deployed URLs (https://d….cloudfront.net, https://cognito-idp.…amazonaws.com) and applies the CSP to them as it would
/// in production. A host that is not mapped is refused (502), so a page that reaches for anything else fails visibly.
/// </summary>
public sealed class HostProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly AwsEndpoints _endpoints;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public HostProxy(AwsEndpoints endpoints)
    {
        _endpoints = endpoints;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The proxy for a browser context: <c>http://127.0.0.1:port</c>.</summary>
    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";


    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => TunnelAsync(client));
        }
    }

    private async Task TunnelAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        var browser = client.GetStream();
        try
        {
            var head = await ReadHeadAsync(browser);
            var parts = head.Split(' ', 3);
            if (parts.Length < 2 || parts[0] != "CONNECT")
            {
                // Plain http through the proxy: the deployed app never asks for it.
                await RespondAsync(browser, "405 Method Not Allowed");
                return;
            }

            var host = parts[1][..parts[1].LastIndexOf(':')];
            if (_endpoints.LocalEndPoint(host) is not { } target)
            {
                await RespondAsync(browser, "502 Bad Gateway");
                return;
            }

            using var server = new TcpClient { NoDelay = true };
            await server.ConnectAsync(target, _stop.Token);
            await RespondAsync(browser, "200 Connection Established");
            var upstream = server.GetStream();
            await Task.WhenAny(browser.CopyToAsync(upstream, _stop.Token), upstream.CopyToAsync(browser, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side hung up: the tunnel ends.
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer) == 0 || head.Length > 8192)
            {
                throw new IOException("The browser closed the connection before its CONNECT request ended.");
            }

            head.Append((char)buffer[0]);
        }

        return head.ToString();
    }

    private static Task RespondAsync(NetworkStream stream, string status) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n")).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
