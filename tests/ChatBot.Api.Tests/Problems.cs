using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace ChatBot.Api.Tests;

/// <summary>What every refusal looks like from outside: a problem+json body with a detail a person can act on.</summary>
public static class Problems
{
    /// <summary>A 401 problem with a detail and a bare challenge (an error code when credentials were sent, never a description).</summary>
    public static async Task<ProblemDetails> AssertUnauthorizedAsync(HttpResponseMessage response, bool bearerError)
    {
        var problem = await ConversationsApiTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        Assert.DoesNotContain("error_description", challenge, StringComparison.Ordinal);
        Assert.Equal(bearerError, challenge.Contains("error=\"invalid_token\"", StringComparison.Ordinal));
        return problem;
    }

    /// <summary>What a problem must never contain: where things are (paths, ARNs, account ids) or what they are made of (.NET types).</summary>
    private static readonly (string What, Regex Pattern)[] Internals =
    [
        ("a file path", new Regex(@"(?<![\w:])/(?:[\w.-]+/)+[\w.-]*|\b[A-Za-z]:\\", RegexOptions.CultureInvariant)),
        ("an ARN", new Regex(@"\barn:aws", RegexOptions.CultureInvariant)),
        ("an AWS account id", new Regex(@"(?<!\d)\d{12}(?!\d)", RegexOptions.CultureInvariant)),
        ("a .NET type name", new Regex(@"\b(System|Microsoft|ChatBot|Amazon)\.[A-Z]|Nullable<|\w+Exception\b|`\d", RegexOptions.CultureInvariant)),
    ];

    /// <summary>
    /// Fails if any text of a problem body (all but its <c>type</c> URI and <c>traceId</c>) names something internal.
    /// The fuzz suites can call this on every problem they provoke.
    /// </summary>
    public static void AssertNamesNothingInternal(string problemJson)
    {
        var problem = JsonNode.Parse(problemJson)!.AsObject();
        problem.Remove("type");
        problem.Remove("traceId");
        var text = problem.ToJsonString();
        foreach (var (what, pattern) in Internals)
        {
            Assert.False(pattern.IsMatch(text), $"The problem names {what}: {text}");
        }
    }
}
