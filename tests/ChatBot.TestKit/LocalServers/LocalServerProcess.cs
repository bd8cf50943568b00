using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatBot.TestKit.LocalServers;

/// <summary>
/// A server process started for tests. Its recent output is kept for error messages, and it is killed when the test run
/// ends, even if a fixture never got to dispose it.
/// </summary>
public sealed class LocalServerProcess : IAsyncDisposable
{
    private const int MaxOutputLines = 200;

    private static readonly List<LocalServerProcess> Running = [];

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    static LocalServerProcess()
    {
        // A crashed or cancelled test run must not leave servers behind on a shared machine.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
            {
                foreach (var server in Running)
                {
                    server.KillNow();
                }
            }
        };
    }

    private LocalServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process printed, for error messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <param name="environment">When set, the process's whole environment (nothing is inherited), as a sandbox would give it.</param>
    public static LocalServerProcess Start(
        string name, string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (environment is not null)
        {
            info.Environment.Clear();
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var server = new LocalServerProcess(name, process);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (Running)
        {
            Running.Add(server);
        }

        return server;
    }

    /// <summary>Waits until <paramref name="isReady"/> holds, failing early with the server's output if it exits first.</summary>
    public async Task WaitUntilReadyAsync(Func<CancellationToken, Task<bool>> isReady, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready. Its output:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                if (await isReady(deadline.Token))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException && !deadline.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} was not ready after {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>Kills the process the hard way (SIGKILL), as a crash or a lost node would, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        KillNow();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        lock (Running)
        {
            Running.Remove(this);
        }

        _process.Dispose();
    }

    /// <summary>A TCP port nobody listens on right now.</summary>
    /// <summary>
    /// Starts one of the npm servers in tests/tools (installed there by tests/setup-local-servers.sh) with node, or says
    /// which step is missing: Node.js itself, or the package.
    /// </summary>
    /// <param name="package">The npm package, such as <c>dynalite</c>.</param>
    /// <param name="role">What the server stands in for, for the error message: "the DynamoDB emulator".</param>
    /// <param name="script">The package's command-line script, relative to its folder.</param>
    public static LocalServerProcess StartNodeTool(string package, string role, string script, IEnumerable<string> arguments)
    {
        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            $"node is not installed, and {role} ({package}) needs it. Install Node.js 20 or later, then run tests/setup-local-servers.sh.");
        var tools = Path.Combine(FindTestsFolder(), "tools");
        var cli = Path.Combine(tools, "node_modules", package, script);
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"{package} is not installed in {tools}. Run tests/setup-local-servers.sh (it runs npm ci there).");
        }

        return Start(package, node, [cli, .. arguments], tools);
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    /// <summary>The repository's <c>tests</c> folder, found by walking up from the test binaries.</summary>
    public static string FindTestsFolder()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "tests", "setup-local-servers.sh")))
            {
                return Path.Combine(folder.FullName, "tests");
            }
        }

        throw new InvalidOperationException($"Could not find the repository's tests folder above {AppContext.BaseDirectory}.");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > MaxOutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    private void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started or is already gone.
        }
    }

    internal static async Task<bool> CanConnectAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        return true;
    }
}
