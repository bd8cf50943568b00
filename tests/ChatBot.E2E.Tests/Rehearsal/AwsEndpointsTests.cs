namespace ChatBot.E2E.Tests.Rehearsal;

/// <summary>The one function that swaps AWS hosts for local servers: only AWS hosts, only whole host names, scheme and port included.</summary>
public sealed class AwsEndpointsTests
{
    private static AwsEndpoints Mapped()
    {
        var endpoints = new AwsEndpoints(["chatbot.internal"]);
        endpoints.Map("bedrock-runtime.us-west-2.amazonaws.com", new Uri("http://127.0.0.1:5101/"));
        endpoints.Map("chatbot-123456789012.auth.us-west-2.amazoncognito.com", new Uri("https://127.0.0.1:5102/"));
        endpoints.Map("chatbot-context-abc.serverless.us-west-2.cache.amazonaws.com", new Uri("redis://127.0.0.1:5103/"));
        endpoints.Map("llm.chatbot.internal", new Uri("http://127.0.0.1:5104/"));
        return endpoints;
    }

    [Theory]
    [InlineData("https://bedrock-runtime.us-west-2.amazonaws.com/", "http://127.0.0.1:5101/")]
    [InlineData("https://chatbot-123456789012.auth.us-west-2.amazoncognito.com/oauth2/token?x=1", "https://127.0.0.1:5102/oauth2/token?x=1")]
    [InlineData("chatbot-context-abc.serverless.us-west-2.cache.amazonaws.com:6379,ssl=true,abortConnect=false", "127.0.0.1:5103,ssl=true,abortConnect=false")]
    [InlineData("http://llm.chatbot.internal:8080/v1", "http://127.0.0.1:5104/v1")]
    [InlineData("connect-src 'self' https://chatbot-123456789012.auth.us-west-2.amazoncognito.com;", "connect-src 'self' https://127.0.0.1:5102;")]
    public void Rewrite_SwapsAMappedHostWithItsSchemeAndPort(string text, string expected) =>
        Assert.Equal(expected, Mapped().Rewrite(text));

    [Theory]
    [InlineData("https://dynamodb.us-west-2.amazonaws.com/")]
    [InlineData("https://evil-bedrock-runtime.us-west-2.amazonaws.com/")]
    [InlineData("https://bedrock-runtime.us-west-2.amazonaws.com.example.org/")]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("openai.gpt-oss-20b-1:0")]
    public void Rewrite_LeavesEverythingElseAsItIs(string text) =>
        Assert.Equal(text, Mapped().Rewrite(text));

    [Theory]
    [InlineData("example.com")]
    [InlineData("amazonaws.com.example.org")]
    [InlineData("llm.other.internal")]
    [InlineData("localhost")]
    public void Map_RefusesHostsThatAreNotAwsEndpoints(string host) =>
        Assert.Throws<ArgumentException>(() => Mapped().Map(host, new Uri("http://127.0.0.1:5200/")));

    [Fact]
    public void Map_RefusesALocalOriginOffLoopback() =>
        Assert.Throws<ArgumentException>(() => Mapped().Map("sts.amazonaws.com", new Uri("http://192.0.2.1:5200/")));

    [Fact]
    public void LocalEndPoint_IsTheLoopbackPortOfAMappedHost_CaseInsensitively()
    {
        var endpoints = Mapped();

        Assert.Equal(5102, endpoints.LocalEndPoint("CHATBOT-123456789012.auth.us-west-2.amazoncognito.com")?.Port);
        Assert.Null(endpoints.LocalEndPoint("dynamodb.us-west-2.amazonaws.com"));
    }
}
