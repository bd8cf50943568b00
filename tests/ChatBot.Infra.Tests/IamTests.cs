using System.Text.Json.Nodes;

namespace ChatBot.Infra.Tests;

/// <summary>Least privilege: the API function can use its table and its model, and nothing else.</summary>
public sealed class IamTests(SynthFixture fixture)
{
    private static readonly string[] TableActions =
    [
        "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
        "dynamodb:UpdateItem",
    ];

    [Fact]
    public void TableActions_AreExactlyTheOperationsTheStoreCalls()
    {
        // The store's calls on its IAmazonDynamoDB client; creating the table is for emulators only (Storage:DynamoDb:CreateTable).
        // The usage store (per-user counters and limits) shares the table and adds no operation of its own.
        var source = string.Concat(new[] { "DynamoDbConversationStore.cs", "DynamoDbUsageStore.cs" }.Select(file =>
            File.ReadAllText(Path.Combine(ChatBotApp.FindRepositoryRoot()!, "src", "ChatBot.Storage.DynamoDb", file))));
        var calls = System.Text.RegularExpressions.Regex.Matches(source, @"\b_?client\.(\w+)Async\(")
            .Select(m => "dynamodb:" + m.Groups[1].Value)
            .ToHashSet();

        Assert.Equal(calls.Order(), ChatBot.Infra.ConversationTable.DataActions.Order());
    }

    [Fact]
    public void FunctionRole_Full_CanUseItsTableAndOneBedrockModel_Exactly()
    {
        var statements = FunctionStatements(fixture.Full);
        var table = Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.Conversations.Table);

        Assert.Equal(2, statements.Count);
        AssertStatement(TracingStatement(fixture.Full), ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]);
        AssertStatement(statements[0], TableActions, ["${" + table + ".Arn}", "${" + table + ".Arn}/index/*"]);
        AssertStatement(statements[1],
            ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            ["arn:aws:bedrock:us-west-2::foundation-model/openai.gpt-oss-20b-1:0"]);
    }

    [Fact]
    public void FunctionRole_WithAnInferenceProfile_CoversTheProfileAndItsRoutedRegions_Exactly()
    {
        var bedrock = FunctionStatements(fixture.Minimal).Single(s => Cfn.RenderList(s["Action"]).Any(a => a.StartsWith("bedrock:", StringComparison.Ordinal)));

        AssertStatement(bedrock,
            ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            [
                "arn:aws:bedrock:us-east-1:${AWS::AccountId}:inference-profile/us.meta.llama3-3-70b-instruct-v1:0",
                "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0",
                "arn:aws:bedrock:us-east-2::foundation-model/meta.llama3-3-70b-instruct-v1:0",
                "arn:aws:bedrock:us-west-1::foundation-model/meta.llama3-3-70b-instruct-v1:0",
                "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-3-70b-instruct-v1:0",
            ]);
    }

    [Fact]
    public void FunctionRole_ManagedPolicies_AreOnlyLoggingAndVpcNetworking()
    {
        Assert.Equal(
            [
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
            ],
            ManagedPolicies(fixture.Full));
        Assert.Equal(["arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"], ManagedPolicies(fixture.Minimal));
    }

    [Fact]
    public void FunctionRole_CanOnlyBeAssumedByLambda()
    {
        var role = fixture.Full.Resources[RoleId(fixture.Full)]!["Properties"]!;
        var statement = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;

        Assert.Equal("lambda.amazonaws.com", statement["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal("sts:AssumeRole", statement["Action"]!.GetValue<string>());
    }

    [Fact]
    public void WildcardResources_AppearOnlyWhereAwsAllowsNothingNarrower()
    {
        foreach (var synthesis in fixture.All)
        {
            var wildcardActions = synthesis.OfType("AWS::IAM::Policy").Values
                .SelectMany(p => p["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
                .Where(s => Cfn.RenderList(s!["Resource"]).Contains("*"))
                .SelectMany(s => Cfn.RenderList(s!["Action"]))
                .ToHashSet();

            // DescribePrefixLists (our deploy-time lookup), GetRandomPassword (the deploy-time keys), X-Ray's trace
            // uploads and CloudFront invalidations (CDK's BucketDeployment) support no resource-level permissions.
            Assert.Subset(
                new HashSet<string>
                {
                    "ec2:DescribePrefixLists", "secretsmanager:GetRandomPassword", "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation",
                    "xray:PutTraceSegments", "xray:PutTelemetryRecords",
                },
                wildcardActions);
            Assert.DoesNotContain(wildcardActions, a => a.EndsWith(":*", StringComparison.Ordinal) || a == "*");
        }
    }

    [Fact]
    public void NoPolicyGrantsTheFunctionAnythingOnOtherTablesOrModels()
    {
        var resources = FunctionStatements(fixture.Full).SelectMany(s => Cfn.RenderList(s["Resource"])).ToList();

        Assert.DoesNotContain(resources, r => r.Contains("foundation-model/*", StringComparison.Ordinal));
        Assert.DoesNotContain(resources, r => r.Contains(":table/*", StringComparison.Ordinal));
        Assert.DoesNotContain("*", resources);
    }

    private static string RoleId(Synthesis synthesis) =>
        Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.Function.Role!);

    /// <summary>The function's own grants, without the tracing statement that active X-Ray tracing adds.</summary>
    private static List<JsonObject> FunctionStatements(Synthesis synthesis) =>
        Cfn.StatementsForRole(synthesis, RoleId(synthesis)).Where(s => !IsTracing(s)).ToList();

    private static JsonObject TracingStatement(Synthesis synthesis) => Assert.Single(Cfn.StatementsForRole(synthesis, RoleId(synthesis)), IsTracing);

    private static bool IsTracing(JsonObject statement) => Cfn.RenderList(statement["Action"]).All(a => a.StartsWith("xray:", StringComparison.Ordinal));

    private static List<string> ManagedPolicies(Synthesis synthesis) =>
        Cfn.RenderList(synthesis.Resources[RoleId(synthesis)]!["Properties"]!["ManagedPolicyArns"]).Order().ToList();

    private static void AssertStatement(JsonObject statement, string[] actions, string[] resources)
    {
        Assert.Equal("Allow", statement["Effect"]!.GetValue<string>());
        Assert.Equal(actions.Order(), Cfn.RenderList(statement["Action"]).Order());
        Assert.Equal(resources.Order(), Cfn.RenderList(statement["Resource"]).Order());
        Assert.Null(statement["Condition"]);
    }
}
