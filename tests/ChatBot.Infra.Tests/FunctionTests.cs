using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ChatBot.Storage.DynamoDb;

namespace ChatBot.Infra.Tests;

/// <summary>The API function: runtime, adapter, configuration, concurrency and logs.</summary>
public sealed class FunctionTests(SynthFixture fixture)
{
    [Fact]
    public void Runtime_IsDotnet10OnArm64_RunningTheAppHost()
    {
        foreach (var synthesis in fixture.Both)
        {
            var function = Function(synthesis);

            Assert.Equal("dotnet10", function["Runtime"]!.GetValue<string>());
            Assert.Equal(["arm64"], Cfn.RenderList(function["Architectures"]));
            Assert.Equal("ChatBot.Api", function["Handler"]!.GetValue<string>());
            Assert.Equal(1024, function["MemorySize"]!.GetValue<int>());
            Assert.Equal(300, function["Timeout"]!.GetValue<int>());
        }
    }

    [Fact]
    public void WebAdapterLayer_IsThePinnedArm64Layer()
    {
        Assert.Equal(["arn:aws:lambda:us-west-2:753240598075:layer:LambdaAdapterLayerArm64:26"], Cfn.RenderList(Function(fixture.Full)["Layers"]));
        Assert.Equal(["arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:26"], Cfn.RenderList(Function(fixture.Minimal)["Layers"]));
    }

    [Fact]
    public void Environment_Full_IsExactly()
    {
        var table = Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.Conversations.Table);
        var cache = Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.Cache!.Cache);

        Assert.Equal(new Dictionary<string, string>
        {
            ["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/bootstrap",
            ["AWS_LWA_INVOKE_MODE"] = "response_stream",
            ["AWS_LWA_PORT"] = "8080",
            ["AWS_LWA_READINESS_CHECK_PATH"] = "/api/health",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:8080",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__Mode"] = "ApiGateway",
            ["Storage__Provider"] = "DynamoDb",
            ["Storage__DynamoDb__TableName"] = "${" + table + "}",
            ["Storage__DynamoDb__CursorKey"] = "${" + CursorKeyId(fixture.Full) + ".RandomPassword}",
            ["Telemetry__Emf"] = "true",
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
            ["Llm__Provider"] = "Bedrock",
            ["Llm__Bedrock__ModelId"] = "openai.gpt-oss-20b-1:0",
            ["Llm__Bedrock__Models__0"] = "openai.gpt-oss-20b-1:0",
            ["Llm__Bedrock__Region"] = "us-west-2",
            ["Cache__Provider"] = "Redis",
            ["Cache__Redis__Configuration"] = $"${{{cache}.Endpoint.Address}}:${{{cache}.Endpoint.Port}},ssl=true,abortConnect=false",
            // SnapStart (on in full): no connection may be frozen into the snapshot.
            ["Cache__Redis__ConnectAtStartup"] = "false",
        }, Environment(fixture.Full));
    }

    [Fact]
    public void Environment_Minimal_UsesTheInProcessCacheAndNoRedis()
    {
        var environment = Environment(fixture.Minimal);

        Assert.Equal("Memory", environment["Cache__Provider"]);
        Assert.DoesNotContain("Cache__Redis__Configuration", environment.Keys);
        Assert.Equal(SynthFixture.MinimalModelId, environment["Llm__Bedrock__ModelId"]);
        Assert.Equal(SynthFixture.MinimalRegion, environment["Llm__Bedrock__Region"]);
        Assert.Equal("DynamoDb", environment["Storage__Provider"]);
    }

    [Fact]
    public void CursorKey_IsDrawnOnceAtDeployTime_AndReachesTheFunctionThroughItsEnvironment()
    {
        foreach (var synthesis in fixture.Both)
        {
            var keyId = CursorKeyId(synthesis);
            var key = synthesis.Resources[keyId]!.AsObject();
            var properties = key["Properties"]!;
            var create = JsonNode.Parse(Cfn.Render(properties["Create"]))!;

            Assert.Equal("Custom::CursorKey", key["Type"]!.GetValue<string>());
            Assert.Equal("SecretsManager", create["service"]!.GetValue<string>());
            Assert.Equal("getRandomPassword", create["action"]!.GetValue<string>());
            Assert.Equal(ApiFunction.CursorKeyLength, create["parameters"]!["PasswordLength"]!.GetValue<int>());
            Assert.True(create["parameters"]!["ExcludePunctuation"]!.GetValue<bool>());
            Assert.False(create["parameters"]!["IncludeSpace"]!.GetValue<bool>());
            Assert.Equal(["RandomPassword"], create["outputPaths"]!.AsArray().Select(p => p!.GetValue<string>()));
            Assert.Equal("cursor-key", create["physicalResourceId"]!["id"]!.GetValue<string>());
            // The value stays out of the provider's logs.
            Assert.False(create["logApiResponseData"]!.GetValue<bool>());
            // An update without a call would answer with no RandomPassword and fail the deployment.
            Assert.Equal(Cfn.Render(properties["Create"]), Cfn.Render(properties["Update"]));
            Assert.Null(properties["Delete"]);

            Assert.Equal("${" + keyId + ".RandomPassword}", Environment(synthesis)["Storage__DynamoDb__CursorKey"]);
        }
    }

    [Fact]
    public void CursorKey_NeedsNoStoredSecretAndNoRuntimeCall()
    {
        foreach (var synthesis in fixture.Both)
        {
            var types = synthesis.Resources.Select(r => r.Value!["Type"]!.GetValue<string>()).ToList();
            Assert.DoesNotContain("AWS::SecretsManager::Secret", types);
            Assert.DoesNotContain(synthesis.OfType("AWS::EC2::VPCEndpoint").Values,
                e => Cfn.Render(e["Properties"]!["ServiceName"]).Contains("secretsmanager", StringComparison.Ordinal));

            // Only the deploy-time provider may draw a key; the API function's role has no Secrets Manager action.
            var role = Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.Function.Role!);
            Assert.DoesNotContain(Cfn.StatementsForRole(synthesis, role).SelectMany(s => Cfn.RenderList(s["Action"])),
                a => a.StartsWith("secretsmanager:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void CursorKey_WhatTheStackDraws_PassesTheDynamoDbStoresValidation()
    {
        // GetRandomPassword with ExcludePunctuation draws from letters and digits only.
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var validator = new DynamoDbStoreOptionsValidator();

        for (var i = 0; i < 100; i++)
        {
            var key = RandomNumberGenerator.GetString(alphabet, ApiFunction.CursorKeyLength);
            var result = validator.Validate(null, new DynamoDbStoreOptions { TableName = "conversations", CursorKey = key });
            Assert.True(result.Succeeded, $"{key}: {result.FailureMessage}");
        }
    }

    [Fact]
    public void AuthMode_IsApiGatewayEverywhere_AndDevelopmentModeIsNeverSet()
    {
        foreach (var synthesis in fixture.All)
        {
            Assert.Equal("ApiGateway", Environment(synthesis)["Auth__Mode"]);

            // No function in the stack, ours or CDK's, may carry Development anywhere in its environment.
            foreach (var function in synthesis.OfType("AWS::Lambda::Function").Values)
            {
                var variables = function["Properties"]!["Environment"]?["Variables"]?.AsObject() ?? [];
                Assert.All(variables, variable =>
                {
                    Assert.DoesNotContain("Development", Cfn.Render(variable.Value), StringComparison.OrdinalIgnoreCase);
                    Assert.NotEqual("Auth__DevelopmentUser", variable.Key);
                });
            }
        }
    }

    [Fact]
    public void ReservedConcurrency_CapsTheFunction() =>
        Assert.All(fixture.Both, s => Assert.Equal(10, Function(s)["ReservedConcurrentExecutions"]!.GetValue<int>()));

    [Fact]
    public void Logs_GoToItsOwnJsonLogGroup_WithRetention()
    {
        foreach (var (synthesis, deletion) in new[] { (fixture.Full, "Retain"), (fixture.Minimal, "Delete") })
        {
            var logging = Function(synthesis)["LoggingConfig"]!;
            Assert.Equal("JSON", logging["LogFormat"]!.GetValue<string>());

            var logGroupId = Cfn.Render(logging["LogGroup"]).Trim('$', '{', '}');
            var logGroup = synthesis.Resources[logGroupId]!;
            Assert.Equal(30, logGroup["Properties"]!["RetentionInDays"]!.GetValue<int>());
            Assert.Equal(deletion, logGroup["DeletionPolicy"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Placement_FullRunsInTheIsolatedSubnets_MinimalOutsideAnyVpc()
    {
        var vpcConfig = Function(fixture.Full)["VpcConfig"]!;
        var functionSg = Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.Network!.FunctionSecurityGroup);

        Assert.Equal(["${" + functionSg + ".GroupId}"], Cfn.RenderList(vpcConfig["SecurityGroupIds"]));
        Assert.Equal(2, vpcConfig["SubnetIds"]!.AsArray().Count);
        Assert.All(Cfn.RenderList(vpcConfig["SubnetIds"]), subnet => Assert.Contains("isolated", subnet, StringComparison.Ordinal));
        Assert.Null(Function(fixture.Minimal)["VpcConfig"]);
    }

    [Fact]
    public void SnapStart_Full_IsOnPublishedVersions_AndApiGatewayInvokesTheLiveAlias()
    {
        var function = ApiTests.ApiFunctionId(fixture.Full);
        var (versionId, versionResource) = Assert.Single(fixture.Full.OfType("AWS::Lambda::Version"));
        var version = versionResource["Properties"]!;
        var alias = fixture.Full.Properties("AWS::Lambda::Alias");

        Assert.Equal("PublishedVersions", Function(fixture.Full)["SnapStart"]!["ApplyOn"]!.GetValue<string>());
        Assert.Equal("${" + function + "}", Cfn.Render(version["FunctionName"]));
        // The replaced version is deleted with its snapshot, which is billed for as long as the version exists.
        Assert.Equal("Delete", versionResource["DeletionPolicy"]!.GetValue<string>());
        Assert.Equal("live", alias["Name"]!.GetValue<string>());
        Assert.Equal("${" + function + "}", Cfn.Render(alias["FunctionName"]));
        Assert.Equal("${" + versionId + ".Version}", Cfn.Render(alias["FunctionVersion"]));
        Assert.StartsWith("${" + Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.ApiFunction.Invoked), ApiTests.InvokedArn(fixture.Full), StringComparison.Ordinal);
    }

    [Fact]
    public void SnapStart_Minimal_IsOff_WithNoVersionOrAlias_SoIdleCostsNothing()
    {
        foreach (var synthesis in new[] { fixture.Minimal, fixture.MinimalFargate, fixture.FullLambda, fixture.MinimalLambda })
        {
            Assert.Null(Function(synthesis)["SnapStart"]);
            Assert.Empty(synthesis.OfType("AWS::Lambda::Alias"));
            Assert.Same(synthesis.Stack.ApiFunction.Function, synthesis.Stack.ApiFunction.Invoked);
        }
    }

    private static string CursorKeyId(Synthesis synthesis) => Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.CursorKey);

    private static JsonObject Function(Synthesis synthesis) =>
        synthesis.Resources[ApiTests.ApiFunctionId(synthesis)]!["Properties"]!.AsObject();

    internal static Dictionary<string, string> Environment(Synthesis synthesis) =>
        Function(synthesis)["Environment"]!["Variables"]!.AsObject().ToDictionary(v => v.Key, v => Cfn.Render(v.Value));
}
