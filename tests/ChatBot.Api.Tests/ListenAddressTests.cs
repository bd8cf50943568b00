using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatBot.Api.Tests;

/// <summary>The app listens where its host tells it to: the Lambda Web Adapter only finds it on the port the stack sets.</summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task AspNetCoreUrls_AsTheStackSetsIt_IsWhereTheAppAnswers()
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ChatBot.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["Storage__Sqlite__Path"] = Path.Combine(Directory.CreateTempSubdirectory("chatbot-urls-").FullName, "db.sqlite");
        foreach (var (key, value) in TestModel.Settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (status is null && !process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    status = (await http.GetAsync(new Uri($"{url}/api/health"))).StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.True(status == HttpStatusCode.OK, $"No answer on {url}; the app wrote: {(process.HasExited ? await errors : "(still running)")}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
