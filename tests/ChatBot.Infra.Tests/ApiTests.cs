using System.Text.Json.Nodes;

namespace ChatBot.Infra.Tests;

/// <summary>The REST API: streaming Lambda integration, throttling, logs, and who may invoke the function.</summary>
public sealed class ApiTests(SynthFixture fixture)
{
    [Fact]
    public void RestApi_IsRegional() =>
        Assert.Equal(["REGIONAL"], Cfn.RenderList(fixture.Full.Properties("AWS::ApiGateway::RestApi")["EndpointConfiguration"]!["Types"]));

    [Fact]
    public void EveryIntegration_StreamsThroughTheResponseStreamingInvocationsUri()
    {
        foreach (var (synthesis, region) in new[] { (fixture.Full, "us-west-2"), (fixture.Minimal, SynthFixture.MinimalRegion) })
        {
            var invoked = InvokedArn(synthesis);
            foreach (var method in synthesis.OfType("AWS::ApiGateway::Method").Values)
            {
                var integration = method["Properties"]!["Integration"]!;

                Assert.Equal("AWS_PROXY", integration["Type"]!.GetValue<string>());
                Assert.Equal("POST", integration["IntegrationHttpMethod"]!.GetValue<string>());
                Assert.Equal("STREAM", integration["ResponseTransferMode"]!.GetValue<string>());
                Assert.Equal(
                    $"arn:aws:apigateway:{region}:lambda:path/2021-11-15/functions/{invoked}/response-streaming-invocations",
                    Cfn.Render(integration["Uri"]));
            }
        }
    }

    [Fact]
    public void IntegrationTimeout_MatchesTheFunctionTimeout_PastTheBuffered29Seconds()
    {
        var functionTimeout = fixture.Full.Resources[ApiFunctionId(fixture.Full)]!["Properties"]!["Timeout"]!.GetValue<int>();

        Assert.Equal(300, functionTimeout);
        Assert.All(fixture.Full.OfType("AWS::ApiGateway::Method").Values, method =>
            Assert.Equal(functionTimeout * 1000, method["Properties"]!["Integration"]!["TimeoutInMillis"]!.GetValue<int>()));
    }

    [Fact]
    public void Stage_IsThrottled_AndLogsErrorsButNeverBodies()
    {
        var settings = Assert.Single(fixture.Full.Properties("AWS::ApiGateway::Stage")["MethodSettings"]!.AsArray())!;

        Assert.Equal("/*", settings["ResourcePath"]!.GetValue<string>());
        Assert.Equal("*", settings["HttpMethod"]!.GetValue<string>());
        Assert.Equal(10, settings["ThrottlingRateLimit"]!.GetValue<int>());
        Assert.Equal(20, settings["ThrottlingBurstLimit"]!.GetValue<int>());
        Assert.Equal("ERROR", settings["LoggingLevel"]!.GetValue<string>());
        Assert.False(settings["DataTraceEnabled"]!.GetValue<bool>());
    }

    [Fact]
    public void Stage_WritesJsonAccessLogs_ToARetainedLogGroup()
    {
        var stage = fixture.Full.Properties("AWS::ApiGateway::Stage");
        var destination = Cfn.Render(stage["AccessLogSetting"]!["DestinationArn"]);
        var logGroupId = destination[2..destination.IndexOf('.', StringComparison.Ordinal)];

        var format = JsonNode.Parse(stage["AccessLogSetting"]!["Format"]!.GetValue<string>())!.AsObject();
        Assert.Equal("$context.requestId", format["requestId"]!.GetValue<string>());
        Assert.Equal("$context.status", format["status"]!.GetValue<string>());
        Assert.Equal("$context.authorizer.claims.sub", format["user"]!.GetValue<string>());
        Assert.DoesNotContain(format, field => field.Value!.GetValue<string>().Contains("body", StringComparison.OrdinalIgnoreCase));

        var logGroup = fixture.Full.Resources[logGroupId]!;
        Assert.Equal("AWS::Logs::LogGroup", logGroup["Type"]!.GetValue<string>());
        Assert.Equal(30, logGroup["Properties"]!["RetentionInDays"]!.GetValue<int>());
        Assert.Equal("Retain", logGroup["DeletionPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void OnlyThisApiGateway_MayInvokeTheFunction()
    {
        foreach (var synthesis in fixture.Both)
        {
            var invoked = InvokedArn(synthesis);
            var api = Assert.Single(synthesis.OfType("AWS::ApiGateway::RestApi")).Key;
            var permissions = synthesis.OfType("AWS::Lambda::Permission").Values
                .Select(p => p["Properties"]!)
                .Where(p => Cfn.Render(p["FunctionName"]) == invoked)
                .ToList();

            Assert.Equal(2, permissions.Count);
            Assert.All(permissions, permission =>
            {
                Assert.Equal("lambda:InvokeFunction", permission["Action"]!.GetValue<string>());
                Assert.Equal("apigateway.amazonaws.com", permission["Principal"]!.GetValue<string>());
                var source = Cfn.Render(permission["SourceArn"]);
                Assert.StartsWith("arn:aws:execute-api:", source, StringComparison.Ordinal);
                Assert.Contains(":${AWS::AccountId}:${" + api + "}/${", source, StringComparison.Ordinal);
                Assert.DoesNotContain("test-invoke-stage", source, StringComparison.Ordinal);
            });

            Assert.Empty(synthesis.OfType("AWS::Lambda::Url"));
        }
    }

    [Fact]
    public void GatewayErrors_AreProblemDetails()
    {
        var responses = fixture.Full.OfType("AWS::ApiGateway::GatewayResponse").Values.Select(r => r["Properties"]!).ToList();

        Assert.Equal(
            ["ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "UNAUTHORIZED"],
            responses.Select(r => r["ResponseType"]!.GetValue<string>()).Order());
        Assert.All(responses, response =>
        {
            Assert.Equal("'application/problem+json'", response["ResponseParameters"]!["gatewayresponse.header.Content-Type"]!.GetValue<string>());
            Assert.Contains("\"detail\":$context.error.messageString", response["ResponseTemplates"]!["application/json"]!.GetValue<string>(), StringComparison.Ordinal);
        });
        Assert.Equal("404", responses.Single(r => r["ResponseType"]!.GetValue<string>() == "MISSING_AUTHENTICATION_TOKEN")["StatusCode"]!.GetValue<string>());
    }

    internal static string ApiFunctionId(Synthesis synthesis) => Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.Function);

    /// <summary>What API Gateway invokes, rendered: the live alias (its Ref is its ARN) with SnapStart, else the function.</summary>
    internal static string InvokedArn(Synthesis synthesis) => synthesis.Stack.ApiFunction.Invoked is Amazon.CDK.AWS.Lambda.Alias alias
        ? "${" + Cfn.LogicalId(synthesis.Stack, alias) + "}"
        : "${" + ApiFunctionId(synthesis) + ".Arn}";
}
