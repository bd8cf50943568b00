namespace ChatBot.Infra.Tests;

/// <summary>Context validation, without synthesizing anything.</summary>
public sealed class DeploymentSettingsTests(SynthFixture fixture)
{
    private DeploymentSettings Read(Dictionary<string, object>? overrides = null)
    {
        var context = fixture.Context(overrides);
        return DeploymentSettings.FromContext(key => context.GetValueOrDefault(key), Path.GetTempPath());
    }

    private DeploymentSettingsException Fails(Dictionary<string, object> overrides) =>
        Assert.Throws<DeploymentSettingsException>(() => Read(overrides));

    [Fact]
    public void Defaults_AreFullProfileOnBedrockThatRetainsData()
    {
        var settings = Read();

        Assert.Equal("ChatBot", settings.StackName);
        Assert.Equal(DeploymentProfile.Full, settings.Profile);
        Assert.Equal(LlmBackend.Bedrock, settings.Llm);
        Assert.Equal("openai.gpt-oss-20b-1:0", settings.Model!.ModelId);
        Assert.Null(settings.SelfHostedModel);
        Assert.Equal("us-west-2", settings.Region);
        Assert.Equal(["us-west-2a", "us-west-2b"], settings.AvailabilityZones);
        Assert.False(settings.Destroy);
        Assert.Equal(10, settings.ReservedConcurrency);
        Assert.Equal(10, settings.ApiRateLimit);
        Assert.Equal(20, settings.ApiBurstLimit);
        Assert.Equal(30, settings.LogRetentionDays);
        Assert.Equal(1, settings.CacheMaxDataGb);
        Assert.Equal(5000, settings.CacheMaxEcpuPerSecond);
        Assert.True(settings.SnapStart);
    }

    [Theory]
    [InlineData("full", "bedrock", true)]
    [InlineData("full", "fargate", true)]
    [InlineData("full", "lambda", false)]
    [InlineData("minimal", "bedrock", false)]
    [InlineData("minimal", "fargate", false)]
    public void SnapStart_DefaultsToOnInFullOnly_AndNeverWithTheInLambdaModel(string profile, string llm, bool expected) =>
        Assert.Equal(expected, Read(new() { ["profile"] = profile, ["llm"] = llm }).SnapStart);

    [Theory]
    [InlineData("minimal", "true", true)]
    [InlineData("full", "false", false)]
    public void SnapStart_ContextOverridesTheProfileDefault(string profile, string value, bool expected) =>
        Assert.Equal(expected, Read(new() { ["profile"] = profile, ["snapStart"] = value }).SnapStart);

    [Fact]
    public void SnapStart_WithTheInLambdaModel_FailsNamingTheTmpLimit() =>
        Assert.Contains("512 MB of /tmp", Assert.Single(Fails(new() { ["llm"] = "lambda", ["snapStart"] = "true" }).Problems), StringComparison.Ordinal);

    [Theory]
    [InlineData("full", DeploymentProfile.Full)]
    [InlineData("minimal", DeploymentProfile.Minimal)]
    [InlineData("MINIMAL", DeploymentProfile.Minimal)]
    public void Profile_AcceptsFullAndMinimal(string value, DeploymentProfile expected) =>
        Assert.Equal(expected, Read(new() { ["profile"] = value }).Profile);

    [Fact]
    public void Profile_Unknown_FailsNamingTheKeyAndTheChoices()
    {
        var error = Fails(new() { ["profile"] = "huge" });

        Assert.Contains("profile 'huge' is not valid. Use one of: full, minimal", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bedrock", LlmBackend.Bedrock)]
    [InlineData("fargate", LlmBackend.Fargate)]
    [InlineData("LAMBDA", LlmBackend.Lambda)]
    public void Llm_AcceptsTheThreeBackends(string value, LlmBackend expected) =>
        Assert.Equal(expected, Read(new() { ["llm"] = value }).Llm);

    [Fact]
    public void Llm_Unknown_FailsWithTheValidChoices()
    {
        var error = Fails(new() { ["llm"] = "openai" });

        Assert.Contains("llm 'openai' is not valid. Use one of: bedrock, fargate, lambda", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fargate")]
    [InlineData("lambda")]
    public void SelfHosted_DefaultsToQwen05BInstructQ4KM_AndIgnoresTheBedrockModelId(string llm)
    {
        var settings = Read(new() { ["llm"] = llm });

        Assert.Null(settings.Model);
        Assert.Equal("https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf", settings.SelfHostedModel!.Url);
        Assert.Equal("Qwen/Qwen2.5-0.5B-Instruct-GGUF", settings.SelfHostedModel.HuggingFaceRepo);
        Assert.Equal("qwen2.5-0.5b-instruct-q4_k_m", settings.SelfHostedModel.Name);
        Assert.Null(settings.ModelS3Object);
        Assert.Equal(1, settings.FargateMinTasks);
        Assert.Equal(3, settings.FargateMaxTasks);
        Assert.Equal(TaskArchitecture.Arm64, settings.FargateArchitecture);
        Assert.Equal(7076, settings.LambdaMemoryMb);
        Assert.Equal(4096, settings.LambdaStorageMb);
    }

    [Fact]
    public void Model_AsAnyHttpsGgufUrl_IsFetchedByUrl()
    {
        var model = Read(new() { ["llm"] = "fargate", ["model"] = "https://example.com/models/tiny-q8_0.gguf" }).SelfHostedModel!;

        Assert.Equal("https://example.com/models/tiny-q8_0.gguf", model.Url);
        Assert.Null(model.HuggingFaceRepo);
        Assert.Equal("tiny-q8_0", model.Name);
    }

    [Fact]
    public void Model_AsAHuggingFaceFileInAFolder_KeepsThePath()
    {
        var model = Read(new() { ["llm"] = "lambda", ["model"] = "owner/repo-GGUF/Q4_K_M/model-q4_k_m.gguf" }).SelfHostedModel!;

        Assert.Equal("https://huggingface.co/owner/repo-GGUF/resolve/main/Q4_K_M/model-q4_k_m.gguf", model.Url);
        Assert.Equal("Q4_K_M/model-q4_k_m.gguf", model.HuggingFacePath);
        Assert.Equal("model-q4_k_m.gguf", model.FileName);
    }

    [Theory]
    [InlineData("http://example.com/model.gguf")]
    [InlineData("https://example.com/model.bin")]
    [InlineData("owner/repo")]
    [InlineData("owner/../x.gguf")]
    public void Model_NotAnHttpsGgufOrHuggingFaceFile_Fails(string value) =>
        Assert.Contains($"model '{value}' is not a GGUF model", Fails(new() { ["llm"] = "fargate", ["model"] = value }).Message, StringComparison.Ordinal);

    [Fact]
    public void ModelS3Uri_IsParsedIntoBucketAndKey()
    {
        var location = Read(new() { ["llm"] = "lambda", ["modelS3Uri"] = "s3://my-models/qwen/model.gguf" }).ModelS3Object!;

        Assert.Equal(new S3ObjectLocation("my-models", "qwen/model.gguf"), location);
    }

    [Theory]
    [InlineData("s3://my-models/")]
    [InlineData("s3://my-models/models/*")]
    [InlineData("https://my-models.s3.amazonaws.com/model.gguf")]
    public void ModelS3Uri_NotOneObject_Fails(string value) =>
        Assert.Contains($"modelS3Uri '{value}' is not an S3 object URI", Fails(new() { ["llm"] = "lambda", ["modelS3Uri"] = value }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("bedrock", "model", "x/y/z.gguf", "model applies only to llm=fargate or llm=lambda, but llm is bedrock")]
    [InlineData("fargate", "modelS3Uri", "s3://b-b/k.gguf", "modelS3Uri applies only to llm=lambda, but llm is fargate")]
    [InlineData("lambda", "fargateMaxTasks", "4", "fargateMaxTasks applies only to llm=fargate, but llm is lambda")]
    [InlineData("fargate", "lambdaMemoryMb", "10240", "lambdaMemoryMb applies only to llm=lambda, but llm is fargate")]
    [InlineData("lambda", "inferenceRegions", "us-east-1", "inferenceRegions applies only to llm=bedrock, but llm is lambda")]
    public void BackendKey_WithAnotherBackend_FailsAsABadCombination(string llm, string key, string value, string message)
    {
        var error = Fails(new() { ["llm"] = llm, [key] = value });

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains($"Remove -c {key}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FargateTasks_MaxBelowMin_Fails() =>
        Assert.Contains("fargateMaxTasks (1) must be at least fargateMinTasks (2)",
            Fails(new() { ["llm"] = "fargate", ["fargateMinTasks"] = "2", ["fargateMaxTasks"] = "1" }).Message, StringComparison.Ordinal);

    [Fact]
    public void FargateMinTasks_Zero_FailsBecauseCpuScalingCannotStartFromZero() =>
        Assert.Contains("fargateMinTasks '0' is not valid. Use a whole number from 1 to 20.",
            Fails(new() { ["llm"] = "fargate", ["fargateMinTasks"] = "0" }).Message, StringComparison.Ordinal);

    [Fact]
    public void LambdaSizes_OutsideLambdasLimits_Fail()
    {
        var error = Fails(new() { ["llm"] = "lambda", ["lambdaMemoryMb"] = "20000", ["lambdaStorageMb"] = "100" });

        Assert.Contains("lambdaMemoryMb '20000' is not valid. Use a whole number from 1769 to 10240.", error.Message, StringComparison.Ordinal);
        Assert.Contains("lambdaStorageMb '100' is not valid. Use a whole number from 512 to 10240.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FargateArchitecture_Unknown_Fails() =>
        Assert.Contains("fargateArchitecture 'gpu' is not valid. Use one of: arm64, x86_64",
            Fails(new() { ["llm"] = "fargate", ["fargateArchitecture"] = "gpu" }).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData(true, true)]
    public void Destroy_AcceptsBooleans(object value, bool expected) =>
        Assert.Equal(expected, Read(new() { ["destroy"] = value }).Destroy);

    [Fact]
    public void Destroy_NotABoolean_Fails() =>
        Assert.Contains("destroy 'yes' is not valid. Use true or false.", Fails(new() { ["destroy"] = "yes" }).Message, StringComparison.Ordinal);

    [Fact]
    public void ApiPackage_Missing_FailsWithTheCommandThatBuildsIt()
    {
        var error = Fails(new() { ["apiPackage"] = Path.Combine(Path.GetTempPath(), "no-such-api-" + Guid.NewGuid()) });

        Assert.Contains("apiPackage folder", error.Message, StringComparison.Ordinal);
        Assert.Contains("Leave out -c apiPackage to let synth build the API", error.Message, StringComparison.Ordinal);
        Assert.Contains(
            "dotnet publish src/ChatBot.Api -c Release -r linux-arm64 --self-contained false -p:PublishReadyToRun=true -o <folder>",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiPackage_YouPublish_UsesTheSettingsSynthBuildsWith()
    {
        var synthBuild = SourceBuild.ApiPublish.ToString();

        Assert.Contains(string.Join(' ', SourceBuild.LambdaPublishSettings), synthBuild, StringComparison.Ordinal);
        Assert.Contains(string.Join(' ', SourceBuild.LambdaPublishSettings), DeploymentSettings.ApiPublishCommand, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiPackage_WithoutTheExecutable_FailsBecauseTheHandlerRunsIt()
    {
        var empty = Directory.CreateTempSubdirectory("chatbot-empty-api").FullName;
        try
        {
            var error = Fails(new() { ["apiPackage"] = empty });

            Assert.Contains("has no 'ChatBot.Api' executable", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void WebDist_Missing_FailsWithTheCommandThatBuildsIt()
    {
        var error = Fails(new() { ["webDist"] = Path.Combine(Path.GetTempPath(), "no-such-dist-" + Guid.NewGuid()) });

        Assert.Contains("has no index.html", error.Message, StringComparison.Ordinal);
        Assert.Contains("npm run build --prefix frontend", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeFolders_ResolveAgainstTheRepositoryRoot()
    {
        var context = new Dictionary<string, object> { ["apiPackage"] = "artifacts/api", ["webDist"] = "site" };
        var error = Assert.Throws<DeploymentSettingsException>(
            () => DeploymentSettings.FromContext(key => context.GetValueOrDefault(key), "/repo"));

        Assert.Contains("'/repo/artifacts/api'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'/repo/site'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoPackageOrSiteGiven_SynthBuildsBothFromSource()
    {
        var context = new Dictionary<string, object>();
        var settings = DeploymentSettings.FromContext(key => context.GetValueOrDefault(key), "/repo");

        Assert.Null(settings.ApiPackagePath);
        Assert.Null(settings.WebDistPath);
        Assert.Equal("/repo", settings.SourceRoot);
    }

    [Fact]
    public void AvailabilityZones_DefaultToTheRegionsFirstTwo() =>
        Assert.Equal(["eu-west-1a", "eu-west-1b"], Read(new() { ["region"] = "eu-west-1", ["modelId"] = "amazon.nova-lite-v1:0" }).AvailabilityZones);

    [Fact]
    public void AvailabilityZones_AcceptACommaSeparatedList() =>
        Assert.Equal(["us-west-2b", "us-west-2c"], Read(new() { ["availabilityZones"] = "us-west-2b, us-west-2c" }).AvailabilityZones);

    [Fact]
    public void AvailabilityZones_OfAnotherRegion_FailWithTheFix()
    {
        var error = Fails(new() { ["region"] = "eu-west-1", ["availabilityZones"] = new object[] { "us-west-2a", "us-west-2b" } });

        Assert.Contains("are not zones of region eu-west-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("-c availabilityZones=eu-west-1a,eu-west-1b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AvailabilityZones_AreIgnoredByTheMinimalProfile() =>
        Assert.Equal("eu-west-1", Read(new()
        {
            ["profile"] = "minimal",
            ["region"] = "eu-west-1",
            ["modelId"] = "amazon.nova-lite-v1:0",
            ["availabilityZones"] = "us-west-2a,us-west-2b",
        }).Region);

    [Fact]
    public void AvailabilityZones_AreCheckedForMinimalWithFargate_WhichHasAVpc() =>
        Assert.Contains("are not zones of region eu-west-1", Fails(new()
        {
            ["profile"] = "minimal",
            ["llm"] = "fargate",
            ["region"] = "eu-west-1",
            ["availabilityZones"] = "us-west-2a,us-west-2b",
        }).Message, StringComparison.Ordinal);

    [Fact]
    public void EveryContextKey_IsDocumentedInTheArchitectureGuide()
    {
        var guide = File.ReadAllText(Path.Combine(ChatBotApp.FindRepositoryRoot()!, "docs", "architecture.md"));

        Assert.All(DeploymentSettings.Keys.Keys, key => Assert.Contains($"`{key}`", guide, StringComparison.Ordinal));
    }

    [Fact]
    public void AvailabilityZones_MustBeTwo() =>
        Assert.Contains("exactly two different zones", Fails(new() { ["availabilityZones"] = "us-west-2a" }).Message, StringComparison.Ordinal);

    [Fact]
    public void Region_Malformed_Fails() =>
        Assert.Contains("region 'uswest2' is not an AWS region name", Fails(new() { ["region"] = "uswest2" }).Message, StringComparison.Ordinal);

    [Fact]
    public void ReservedConcurrency_None_ReservesNothing() =>
        Assert.Null(Read(new() { ["reservedConcurrency"] = "none" }).ReservedConcurrency);

    [Fact]
    public void ReservedConcurrency_FromCdkJsonNumber_IsRead() =>
        Assert.Equal(25, Read(new() { ["reservedConcurrency"] = 25.0 }).ReservedConcurrency);

    [Fact]
    public void ReservedConcurrency_Zero_FailsBecauseItWouldDisableTheApi() =>
        Assert.Contains("reservedConcurrency '0' is not valid. Use a whole number from 1 to 1000 or none.",
            Fails(new() { ["reservedConcurrency"] = "0" }).Message, StringComparison.Ordinal);

    [Fact]
    public void ApiBurstLimit_BelowTheRate_Fails() =>
        Assert.Contains("apiBurstLimit (5) must be at least apiRateLimit (50)",
            Fails(new() { ["apiRateLimit"] = "50", ["apiBurstLimit"] = "5" }).Message, StringComparison.Ordinal);

    [Fact]
    public void LogRetentionDays_NotACloudWatchValue_FailsListingTheValidOnes() =>
        Assert.Contains("logRetentionDays 31 is not a CloudWatch Logs retention. Use one of: 1, 3, 5, 7, 14, 30,",
            Fails(new() { ["logRetentionDays"] = "31" }).Message, StringComparison.Ordinal);

    [Fact]
    public void CacheLimits_OutsideElastiCacheRanges_Fail()
    {
        var error = Fails(new() { ["cacheMaxDataGb"] = "0", ["cacheMaxEcpuPerSecond"] = "10" });

        Assert.Contains("cacheMaxDataGb '0' is not valid", error.Message, StringComparison.Ordinal);
        Assert.Contains("cacheMaxEcpuPerSecond '10' is not valid. Use a whole number from 1000 to 15000000.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StackName_Invalid_Fails() =>
        Assert.Contains("stackName 'chat bot' is invalid", Fails(new() { ["stackName"] = "chat bot" }).Message, StringComparison.Ordinal);

    [Fact]
    public void StackName_WithAWordCognitoForbidsInDomains_Fails() =>
        Assert.Contains("contains 'aws', which Cognito forbids", Fails(new() { ["stackName"] = "MyAwsChat" }).Message, StringComparison.Ordinal);

    [Fact]
    public void ModelId_Malformed_Fails() =>
        Assert.Contains("modelId 'gpt-4' is not a Bedrock model id", Fails(new() { ["modelId"] = "gpt-4" }).Message, StringComparison.Ordinal);

    [Fact]
    public void SeveralBadValues_AreAllReportedAtOnce()
    {
        var error = Fails(new() { ["profile"] = "huge", ["llm"] = "gpu", ["destroy"] = "maybe" });

        Assert.Equal(3, error.Problems.Count);
        Assert.StartsWith("Invalid ChatBot deployment settings:", error.Message, StringComparison.Ordinal);
    }
}
