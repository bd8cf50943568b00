using System.Diagnostics;
using System.Net;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.Api.Tests;

/// <summary>The app listens where its host tells it to: the Lambda Web Adapter only finds it on the port the stack sets.</summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task AspNetCoreUrls_AsTheStackSetsIt_IsWhereTheAppAnswers()
    {
        var url = $"http://127.0.0.1:{LocalServerProcess.FreeTcpPort()}";
        using var process = Process.Start(StartupGuardTests.ApiProcess(new Dictionary<string, string> { ["ASPNETCORE_URLS"] = url }))!;
        _ = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            HttpResponseMessage? response = null;
            while (status is null && !process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    response = await http.GetAsync(new Uri($"{url}/api/health"));
                    status = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.True(status == HttpStatusCode.OK, $"No answer on {url}; the app wrote: {(process.HasExited ? await errors : "(still running)")}");
            // Kestrel names itself unless told not to; the app tells nobody what it runs on.
            Assert.Empty(response!.Headers.Server);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
