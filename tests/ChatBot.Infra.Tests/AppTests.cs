using System.Diagnostics;

namespace ChatBot.Infra.Tests;

/// <summary>The app as a whole: outputs, bad context through the real App, and the cdk-nag check.</summary>
public sealed class AppTests(SynthFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Outputs_GiveTheSiteApiUserPoolAndHowToCreateTheFirstUser()
    {
        var outputs = fixture.Full.Json["Outputs"]!.AsObject();
        var distribution = Assert.Single(fixture.Full.OfType("AWS::CloudFront::Distribution")).Key;
        var pool = Assert.Single(fixture.Full.OfType("AWS::Cognito::UserPool")).Key;

        Assert.Equal("https://${" + distribution + ".DomainName}", Cfn.Render(outputs["SiteUrl"]!["Value"]));
        Assert.Equal("https://${" + distribution + ".DomainName}/api", Cfn.Render(outputs["ApiUrl"]!["Value"]));
        Assert.Equal("${" + pool + "}", Cfn.Render(outputs["UserPoolId"]!["Value"]));

        var createUser = Cfn.Render(outputs["CreateFirstUser"]!["Value"]);
        Assert.StartsWith("aws cognito-idp admin-create-user --region us-west-2 --user-pool-id ${" + pool + "}", createUser, StringComparison.Ordinal);
        Assert.Contains("admin-add-user-to-group", createUser, StringComparison.Ordinal);
        Assert.Contains("--group-name admins", createUser, StringComparison.Ordinal);
    }

    [Fact]
    public void BadContext_ThroughTheRealApp_FailsBeforeBuildingAnything()
    {
        var error = Assert.Throws<DeploymentSettingsException>(
            () => ChatBotApp.Create(fixture.Context(new Dictionary<string, object> { ["profile"] = "huge" }), Path.GetTempPath()));

        Assert.Contains("profile 'huge' is not valid. Use one of: full, minimal", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadLlmCombination_ThroughTheRealApp_FailsBeforeBuildingAnything()
    {
        var error = Assert.Throws<DeploymentSettingsException>(() => ChatBotApp.Create(
            fixture.Context(new Dictionary<string, object> { ["llm"] = "fargate", ["modelS3Uri"] = "s3://my-models/m.gguf" }), Path.GetTempPath()));

        Assert.Contains("modelS3Uri applies only to llm=lambda, but llm is fargate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synth_NeedsNoLookups()
    {
        foreach (var synthesis in fixture.All)
        {
            var manifest = File.ReadAllText(Path.Combine(synthesis.OutDir, "manifest.json"));
            Assert.DoesNotContain("\"missing\"", manifest, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CdkNag_AwsSolutions_FindsNothingUnsuppressed_InAnyProfileAndBackend()
    {
        var nag = Path.Combine(ChatBotApp.FindRepositoryRoot()!, "infra", "nag");
        if (!Directory.Exists(Path.Combine(nag, "node_modules", "cdk-nag")))
        {
            Assert.Equal(0, Run("npm", ["ci", "--no-audit", "--no-fund"], nag));
        }

        var exitCode = Run("node", ["check.js", .. fixture.All.Select(s => s.OutDir)], nag);

        Assert.Equal(0, exitCode);
    }

    private int Run(string command, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        process.WaitForExit();
        output.WriteLine(stdout.Result);
        output.WriteLine(stderr.Result);
        return process.ExitCode;
    }
}
