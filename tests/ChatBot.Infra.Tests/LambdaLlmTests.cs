
namespace ChatBot.Infra.Tests;

/// <summary>`llm=lambda`: a GGUF model run inside the API function, read from one S3 object.</summary>
public sealed class LambdaLlmTests(SynthFixture fixture)
{
    private const string ModelKey = "models/qwen2.5-0.5b-instruct-q4_k_m.gguf";

    private string BucketId => Cfn.LogicalId(fixture.FullLambda.Stack, fixture.FullLambda.Stack.Models!.Bucket!);

    [Fact]
    public void Function_HasTheMemoryVcpusAndTmpForTheModel_OnArm64()
    {
        foreach (var (synthesis, memory, storage) in new[] { (fixture.FullLambda, 7076, 4096), (fixture.MinimalLambda, 10240, 2048) })
        {
            var function = FargateLlmTests.Function(synthesis);

            Assert.Equal(memory, function["MemorySize"]!.GetValue<int>());
            Assert.Equal(storage, function["EphemeralStorage"]!["Size"]!.GetValue<int>());
            Assert.Equal(["arm64"], Cfn.RenderList(function["Architectures"]));
            Assert.Equal(300, function["Timeout"]!.GetValue<int>());
        }
    }

    [Fact]
    public void OtherBackends_KeepTheSmallFunctionAndDefaultTmp()
    {
        foreach (var synthesis in new[] { fixture.Full, fixture.Minimal, fixture.FullFargate, fixture.MinimalFargate })
        {
            var function = FargateLlmTests.Function(synthesis);
            Assert.Equal(1024, function["MemorySize"]!.GetValue<int>());
            Assert.Null(function["EphemeralStorage"]);
        }
    }

    [Fact]
    public void Environment_TellsTheAppToLoadTheModelFromS3IntoTmp()
    {
        Assert.Equal(new Dictionary<string, string>
        {
            ["Llm__Provider"] = "LlamaSharp",
            ["Llm__LlamaSharp__ModelS3Uri"] = "s3://${" + BucketId + "}/" + ModelKey,
            ["Llm__LlamaSharp__ModelPath"] = "/tmp/model.gguf",
        }, FargateLlmTests.LlmEnvironment(fixture.FullLambda));
        Assert.Equal(new Dictionary<string, string>
        {
            ["Llm__Provider"] = "LlamaSharp",
            ["Llm__LlamaSharp__ModelS3Uri"] = SynthFixture.MinimalLambdaModelS3Uri,
            ["Llm__LlamaSharp__ModelPath"] = "/tmp/model.gguf",
        }, FargateLlmTests.LlmEnvironment(fixture.MinimalLambda));
    }

    [Fact]
    public void FunctionRole_ReadsTheModelObjectOnly_NoBucketWideReadAndNoBedrock()
    {
        foreach (var (synthesis, objectArn) in new[]
                 {
                     (fixture.FullLambda, "${" + BucketId + ".Arn}/" + ModelKey),
                     (fixture.MinimalLambda, "arn:aws:s3:::my-models/qwen/model.gguf"),
                 })
        {
            var role = Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.Function.Role!);
            var statements = Cfn.StatementsForRole(synthesis, role);

            var s3 = Assert.Single(statements, st => Cfn.RenderList(st["Action"]).Any(a => a.StartsWith("s3:", StringComparison.Ordinal)));
            Assert.Equal(["s3:GetObject"], Cfn.RenderList(s3["Action"]));
            Assert.Equal([objectArn], Cfn.RenderList(s3["Resource"]));
            Assert.Null(s3["Condition"]);
            Assert.DoesNotContain(statements.SelectMany(st => Cfn.RenderList(st["Action"])), a => a.StartsWith("bedrock:", StringComparison.Ordinal));
            // The table, the model object, and X-Ray's write-only tracing actions.
            Assert.Equal(3, statements.Count);
        }
    }

    [Fact]
    public void Full_ReachesS3ThroughAGatewayEndpoint_LimitedToTheModelObject_WithoutNatOrInternet()
    {
        var s = fixture.FullLambda;
        var network = s.Stack.Network!;
        s.Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
        s.Template.ResourceCountIs("AWS::EC2::InternetGateway", 0);

        var endpoints = s.OfType("AWS::EC2::VPCEndpoint").Values.Select(e => e["Properties"]!).ToList();
        Assert.Equal(["Gateway", "Gateway"], endpoints.Select(e => e["VpcEndpointType"]!.GetValue<string>()));
        var endpoint = endpoints.Single(e => Cfn.Render(e["ServiceName"]).EndsWith(".s3", StringComparison.Ordinal));
        var statement = Assert.Single(endpoint["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal(["s3:GetObject"], Cfn.RenderList(statement["Action"]));
        Assert.Equal(["${" + BucketId + ".Arn}/" + ModelKey], Cfn.RenderList(statement["Resource"]));

        var function = FargateLlmTests.Group(s, network.FunctionSecurityGroup);
        var cache = FargateLlmTests.Group(s, network.CacheSecurityGroup!);
        string PrefixList(string id) => "${" + Cfn.LogicalId(s.Stack, network.Node.FindChild(id)) + ".PrefixLists.0.PrefixListId}";
        Assert.Equal(new[]
        {
            $"{function} -> tcp 443 -> prefix-list {PrefixList("DynamoDbPrefixList")}",
            $"{function} -> tcp 443 -> prefix-list {PrefixList("S3PrefixList")}",
            $"{function} -> tcp 6379 -> sg {cache}",
        }.Order(), FargateLlmTests.Rules(s, "AWS::EC2::SecurityGroupEgress"));
    }

    [Fact]
    public void ModelBucket_IsPrivateEncryptedAndTlsOnly()
    {
        var bucket = fixture.FullLambda.Resources[BucketId]!;
        var properties = bucket["Properties"]!;

        Assert.True(properties["PublicAccessBlockConfiguration"]!["BlockPublicPolicy"]!.GetValue<bool>());
        Assert.True(properties["PublicAccessBlockConfiguration"]!["RestrictPublicBuckets"]!.GetValue<bool>());
        Assert.Equal("AES256", properties["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        Assert.Equal("Retain", bucket["DeletionPolicy"]!.GetValue<string>());
        var policy = fixture.FullLambda.OfType("AWS::S3::BucketPolicy").Values
            .Single(p => Cfn.Render(p["Properties"]!["Bucket"]) == "${" + BucketId + "}");
        Assert.Contains("aws:SecureTransport", policy.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ModelCopy_StreamsTheUrlIntoTheBucketAtDeploy_AndTheFunctionWaitsForIt()
    {
        var s = fixture.FullLambda;
        var (copyId, copy) = Assert.Single(s.OfType("Custom::ModelCopy"));
        var properties = copy["Properties"]!;

        Assert.Equal("https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf", properties["Url"]!.GetValue<string>());
        Assert.Equal("${" + BucketId + "}", Cfn.Render(properties["Bucket"]));
        Assert.Equal(ModelKey, properties["Key"]!.GetValue<string>());
        Assert.Contains(copyId, s.Resources[ApiTests.ApiFunctionId(s)]!["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));

        var copyFunctionId = Cfn.Render(properties["ServiceToken"]).Trim('$', '{', '}').Replace(".Arn", "", StringComparison.Ordinal);
        var copyFunction = s.Resources[copyFunctionId]!["Properties"]!;
        Assert.Equal(900, copyFunction["Timeout"]!.GetValue<int>());
        Assert.Null(copyFunction["VpcConfig"]);
        Assert.Contains("upload_fileobj", copyFunction["Code"]!["ZipFile"]!.GetValue<string>(), StringComparison.Ordinal);

        // Its role may write that one object, nothing else.
        var role = Cfn.Render(copyFunction["Role"]).Trim('$', '{', '}').Replace(".Arn", "", StringComparison.Ordinal);
        var statement = Assert.Single(Cfn.StatementsForRole(s, role));
        Assert.Equal(["s3:AbortMultipartUpload", "s3:PutObject"], Cfn.RenderList(statement["Action"]).Order());
        Assert.Equal(["${" + BucketId + ".Arn}/" + ModelKey], Cfn.RenderList(statement["Resource"]));
    }

    [Fact]
    public void UploadedModel_NeedsNoBucketAndNoCopy_AndNoVpcInTheMinimalProfile()
    {
        var s = fixture.MinimalLambda;

        Assert.Null(s.Stack.Models!.Bucket);
        s.Template.ResourceCountIs("Custom::ModelCopy", 0);
        s.Template.ResourceCountIs("AWS::S3::Bucket", 1);
        Assert.DoesNotContain(s.Resources, r => r.Value!["Type"]!.GetValue<string>().StartsWith("AWS::EC2::", StringComparison.Ordinal));
    }

    [Fact]
    public void NoBedrockEndpoint_WhenTheModelRunsInTheFunction() =>
        Assert.DoesNotContain(fixture.FullLambda.OfType("AWS::EC2::VPCEndpoint").Values,
            e => Cfn.Render(e["Properties"]!["ServiceName"]).Contains("bedrock", StringComparison.Ordinal));

}
