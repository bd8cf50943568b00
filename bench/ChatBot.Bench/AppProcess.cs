using System.Diagnostics;
using System.Net;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.Bench;

/// <summary>
/// A published (or built) web app started as its own process, the way Lambda starts it: the apphost executable with its
/// settings in the environment. Every line it prints is kept with the time it arrived, so startup phases can be read
/// off its log.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly List<(double Ms, string Line)> _output = [];

    private AppProcess(Process process, Stopwatch sinceStart, Uri baseAddress)
    {
        _process = process;
        _sinceStart = sinceStart;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public double ElapsedMs => _sinceStart.Elapsed.TotalMilliseconds;

    /// <param name="arguments">Command-line arguments; <c>{port}</c> in one becomes the port it must listen on (for servers that read no ASPNETCORE_URLS).</param>
    public static AppProcess Start(string executable, IReadOnlyDictionary<string, string> settings, IReadOnlyList<string>? arguments = null)
    {
        var port = LocalServerProcess.FreeTcpPort();
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(executable)!,
        };
        // As the stack sets it for the Lambda Web Adapter.
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // Host start and stop at Debug give the phase timestamps (see ColdStartBench). A rule for the console provider, because
        // it outranks any provider-less rule, such as the one by which ChatBot leaves a failed start's report to itself.
        info.Environment["Logging__Console__LogLevel__Microsoft.Extensions.Hosting"] = "Debug";
        // A bench user sends far more than a person would: the benches measure the app's work, which the limit checks are
        // part of, not the limits themselves. Every model call gets a slot, as the bench model answers all at once.
        info.Environment["Usage__Limits__AnswersAtOnce"] = "1000";
        info.Environment["Usage__Limits__MessagesPerMinute"] = "100000";
        info.Environment["Usage__Limits__ConversationsPerDay"] = "1000000";
        info.Environment["Usage__Limits__TokensPerDay"] = "1000000000000";
        info.Environment["Usage__ModelSlots"] = "1024";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        foreach (var argument in arguments ?? [])
        {
            info.ArgumentList.Add(argument.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        var process = new Process { StartInfo = info };
        var sinceStart = new Stopwatch();
        var app = new AppProcess(process, sinceStart, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => app.Record(e.Data);
        process.ErrorDataReceived += (_, e) => app.Record(e.Data);
        sinceStart.Start();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Polls GET /api/health (or <paramref name="healthPath"/>) until it answers 200; returns the milliseconds since the process started.</summary>
    public async Task<double> WaitForHealthAsync(HttpClient client, TimeSpan timeout, string healthPath = "api/health")
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with code {_process.ExitCode} before it was healthy:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, healthPath));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return ElapsedMs;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: connection refused on loopback comes back at once, so polling stays tight.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"The app was not healthy after {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(2);
        }
    }

    /// <summary>When the first output line containing <paramref name="text"/> arrived, in ms since start; NaN if never.</summary>
    public double OutputAt(string text)
    {
        lock (_output)
        {
            return _output.FirstOrDefault(o => o.Line.Contains(text, StringComparison.Ordinal)) is { Line: not null } hit ? hit.Ms : double.NaN;
        }
    }

    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output.TakeLast(40).Select(o => o.Line));
            }
        }
    }

    /// <summary>Resident set size from /proc (Linux), in MB.</summary>
    public double RssMb()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>User plus system CPU time the process has used so far, from /proc (Linux), in seconds.</summary>
    public double CpuSeconds()
    {
        // Fields 14 and 15 (utime, stime) in clock ticks; the command name before them is in parentheses and may hold spaces.
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks / (double)ClockTicksPerSecond;
    }

    // USER_HZ: 100 on every Linux the bench runs on (x86-64 and arm64 kernels fix it at 100 for user space).
    private const int ClockTicksPerSecond = 100;

    public async ValueTask DisposeAsync()
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
            // Already gone.
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add((ElapsedMs, line));
        }
    }
}
