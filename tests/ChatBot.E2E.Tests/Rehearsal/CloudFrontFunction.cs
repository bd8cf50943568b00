using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatBot.TestKit.LocalServers;

namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>
/// A CloudFront Function's code from the template, run by Node on viewer-request events shaped as CloudFront sends them
/// (cloudfront-js-2.0 is ECMAScript that Node runs as is). One long-lived process; requests take turns.
/// </summary>
public sealed class CloudFrontFunction : IAsyncDisposable
{
    private const string Runner =
        """
        const code = process.env.CLOUDFRONT_FUNCTION_CODE;
        const handler = new Function(code + '\nreturn handler;')();
        require('readline').createInterface({ input: process.stdin }).on('line', async line => {
          let result;
          try { result = await handler(JSON.parse(line)); } catch (e) { result = { error: String(e) }; }
          process.stdout.write(JSON.stringify(result) + '\n');
        });
        """;

    private readonly Process _node;
    private readonly SemaphoreSlim _turn = new(1, 1);

    public CloudFrontFunction(string code)
    {
        var node = LocalServerProcess.FindOnPath("node") ?? throw new InvalidOperationException("node is not installed; the rehearsal runs CloudFront Functions with it.");
        var start = new ProcessStartInfo(node, ["-e", Runner])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["CLOUDFRONT_FUNCTION_CODE"] = code;
        _node = Process.Start(start)!;
    }

    /// <summary>The URI the function sends the request on with (it may rewrite it); a function that answers itself is not supported.</summary>
    public async Task<string> ViewerRequestAsync(string method, string uri, IEnumerable<KeyValuePair<string, string>> query)
    {
        var querystring = new JsonObject();
        foreach (var (key, value) in query)
        {
            querystring[key] = new JsonObject { ["value"] = value };
        }

        var cloudFrontEvent = new JsonObject
        {
            ["version"] = "1.0",
            ["context"] = new JsonObject { ["eventType"] = "viewer-request" },
            ["viewer"] = new JsonObject { ["ip"] = "127.0.0.1" },
            ["request"] = new JsonObject
            {
                ["method"] = method,
                ["uri"] = uri,
                ["querystring"] = querystring,
                ["headers"] = new JsonObject(),
                ["cookies"] = new JsonObject(),
            },
        };

        await _turn.WaitAsync();
        try
        {
            await _node.StandardInput.WriteLineAsync(cloudFrontEvent.ToJsonString());
            await _node.StandardInput.FlushAsync();
            var line = await _node.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The CloudFront Function runner exited.");
            var result = JsonNode.Parse(line)!.AsObject();
            if (result["error"] is { } error)
            {
                throw new InvalidOperationException($"The CloudFront Function threw: {error}");
            }

            return result["uri"]?.GetValue<string>()
                ?? throw new NotSupportedException($"The CloudFront Function answered the viewer itself ({line}); the rehearsal only runs request rewrites.");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException("The CloudFront Function runner wrote something that is not JSON.", ex);
        }
        finally
        {
            _turn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _node.Kill(entireProcessTree: true);
        await _node.WaitForExitAsync();
        _node.Dispose();
        _turn.Dispose();
    }
}
