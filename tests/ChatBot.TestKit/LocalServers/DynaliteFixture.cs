using Xunit;

namespace ChatBot.TestKit.LocalServers;

/// <summary>
/// dynalite, an in-memory DynamoDB emulator (npm), on a free loopback port. It is installed into tests/tools by
/// tests/setup-local-servers.sh (<c>npm ci</c>, pinned by package-lock.json).
/// </summary>
public sealed class DynaliteFixture : IAsyncLifetime
{
    private LocalServerProcess? _server;

    public int Port { get; } = LocalServerProcess.FreeTcpPort();

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    public async ValueTask InitializeAsync()
    {
        _server = LocalServerProcess.StartNodeTool(
            "dynalite", "the DynamoDB emulator", "cli.js", ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await _server.WaitUntilReadyAsync(ct => LocalServerProcess.CanConnectAsync(Port, ct), TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
