using System.Net;
using System.Net.Http.Json;
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
}
