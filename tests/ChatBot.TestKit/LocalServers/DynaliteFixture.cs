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
        var node = LocalServerProcess.FindOnPath("node") ?? throw new InvalidOperationException(
            "node is not installed, and the DynamoDB emulator (dynalite) needs it. Install Node.js 20 or later, then run tests/setup-local-servers.sh.");
        var tools = Path.Combine(LocalServerProcess.FindTestsFolder(), "tools");
        var cli = Path.Combine(tools, "node_modules", "dynalite", "cli.js");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"dynalite is not installed in {tools}. Run tests/setup-local-servers.sh (it runs npm ci there).");
        }

        _server = LocalServerProcess.Start(
            "dynalite", node, [cli, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], tools);
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
