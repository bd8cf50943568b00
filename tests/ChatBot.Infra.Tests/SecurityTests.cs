using System.Text.Json.Nodes;
using ChatBot.Api.Infrastructure;
using ChatBot.Infra;

namespace ChatBot.Infra.Tests;

/// <summary>
/// The deployed stack's security controls: sign-in hardening, the API reachable only through CloudFront, exact
/// DynamoDB rights, tracing, and the same security headers as the local app. See docs/security.md.
/// </summary>
public sealed class SecurityTests(SynthFixture fixture)
{
    [Fact]
    public void RefreshTokens_LastADay_AndRotateOnEveryUse()
    {
        foreach (var synthesis in fixture.Both)
        {
            var client = synthesis.Properties("AWS::Cognito::UserPoolClient");

            Assert.Equal(24 * 60, client["RefreshTokenValidity"]!.GetValue<int>());
            Assert.Equal("ENABLED", client["RefreshTokenRotation"]!["Feature"]!.GetValue<string>());
            Assert.InRange(client["RefreshTokenRotation"]!["RetryGracePeriodSeconds"]!.GetValue<int>(), 0, 60);
        }
    }

    [Fact]
    public void EmailChange_TakesEffectOnlyOnceVerified()
    {
        var pool = fixture.Full.Properties("AWS::Cognito::UserPool");

        Assert.Equal(["email"], Cfn.RenderList(pool["UserAttributeUpdateSettings"]!["AttributesRequireVerificationBeforeUpdate"]));
    }

    [Fact]
    public void ThreatProtection_IsOnByDefault_OnThePlusPlan()
    {
        foreach (var synthesis in fixture.Both)
        {
            var pool = synthesis.Properties("AWS::Cognito::UserPool");

            Assert.Equal("PLUS", pool["UserPoolTier"]!.GetValue<string>());
            Assert.Equal("ENFORCED", pool["UserPoolAddOns"]!["AdvancedSecurityMode"]!.GetValue<string>());
            Assert.Equal("OPTIONAL", pool["MfaConfiguration"]!.GetValue<string>());
        }
    }

    [Fact]
    public void ContextOptions_RequireMfa_OrTurnThreatProtectionOff()
    {
        var outDir = Path.Combine(Path.GetTempPath(), "chatbot-infra-mfa-" + Guid.NewGuid().ToString("N"));
        var (app, stack) = ChatBotApp.Create(
            fixture.Context(new Dictionary<string, object> { ["profile"] = "minimal", ["mfa"] = "required", ["threatProtection"] = "false" }), outDir);
        app.Synth();
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, stack.TemplateFile)))!;
        var pool = template["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Cognito::UserPool").Value!["Properties"]!;

        Assert.Equal("ON", pool["MfaConfiguration"]!.GetValue<string>());
        Assert.Equal(["SOFTWARE_TOKEN_MFA"], Cfn.RenderList(pool["EnabledMfas"]));
        Assert.Null(pool["UserPoolTier"]);
        Assert.Null(pool["UserPoolAddOns"]);
    }

    [Fact]
    public void EveryApiMethod_RequiresTheKeyOnlyCloudFrontSends()
    {
        foreach (var synthesis in fixture.Both)
        {
            var methods = synthesis.OfType("AWS::ApiGateway::Method").Values.Select(m => m["Properties"]!).ToList();
            Assert.All(methods, m => Assert.True(m["ApiKeyRequired"]!.GetValue<bool>()));

            // One key, in one usage plan on the one stage, whose value is the header CloudFront adds to /api requests.
            var key = synthesis.Properties("AWS::ApiGateway::ApiKey");
            var plan = synthesis.Properties("AWS::ApiGateway::UsagePlan");
            var planKey = synthesis.Properties("AWS::ApiGateway::UsagePlanKey");
            var stage = Assert.Single(synthesis.OfType("AWS::ApiGateway::Stage")).Key;
            Assert.Equal("${" + stage + "}", Cfn.Render(Assert.Single(plan["ApiStages"]!.AsArray())!["Stage"]));
            Assert.Equal("${" + Assert.Single(synthesis.OfType("AWS::ApiGateway::ApiKey")).Key + "}", Cfn.Render(planKey["KeyId"]));
            Assert.True(key["Enabled"]!.GetValue<bool>());

            var origins = synthesis.Properties("AWS::CloudFront::Distribution")["DistributionConfig"]!["Origins"]!.AsArray();
            var apiOrigin = Assert.Single(origins, o => Cfn.Render(o!["DomainName"]).Contains(".execute-api.", StringComparison.Ordinal))!;
            var header = Assert.Single(apiOrigin["OriginCustomHeaders"]!.AsArray())!;
            Assert.Equal(ChatApi.OriginKeyHeader, header["HeaderName"]!.GetValue<string>());
            Assert.Equal(Cfn.Render(key["Value"]), Cfn.Render(header["HeaderValue"]));
            // Drawn at deploy time: the template holds a reference, not a value.
            Assert.StartsWith("${ApiOriginKeyValue", Cfn.Render(key["Value"]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FunctionAndStage_AreTracedWithXRay()
    {
        foreach (var synthesis in fixture.All)
        {
            var function = synthesis.Resources[Cfn.LogicalId(synthesis.Stack, synthesis.Stack.ApiFunction.Function)]!["Properties"]!;
            Assert.Equal("Active", function["TracingConfig"]!["Mode"]!.GetValue<string>());
            Assert.True(synthesis.Properties("AWS::ApiGateway::Stage")["TracingEnabled"]!.GetValue<bool>());
        }
    }

    [Fact]
    public void CloudFrontHeaders_AreTheLocalAppsHeaders_PlusHttpsOnlyOnes()
    {
        var config = fixture.Full.Properties("AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]!;
        var security = config["SecurityHeadersConfig"]!;
        var custom = config["CustomHeadersConfig"]!["Items"]!.AsArray().ToDictionary(h => h!["Header"]!.GetValue<string>(), h => h!["Value"]!.GetValue<string>());
        var local = WebSecurityHeaders.Local([]);

        // Directive by directive; connect-src lists each side's own sign-in origins after 'self'.
        var deployed = Directives(Cfn.Render(security["ContentSecurityPolicy"]!["ContentSecurityPolicy"]));
        var expected = Directives(local["Content-Security-Policy"]);
        Assert.Equal(expected.Keys.Append("upgrade-insecure-requests").Order(), deployed.Keys.Order());
        Assert.All(expected.Where(d => d.Key != "connect-src"), d => Assert.Equal(d.Value, deployed[d.Key]));
        Assert.StartsWith("'self'", deployed["connect-src"], StringComparison.Ordinal);

        Assert.Equal(local["X-Frame-Options"], security["FrameOptions"]!["FrameOption"]!.GetValue<string>());
        Assert.Equal(local["Referrer-Policy"], security["ReferrerPolicy"]!["ReferrerPolicy"]!.GetValue<string>());
        Assert.Equal("nosniff", local["X-Content-Type-Options"]);
        Assert.True(security["ContentTypeOptions"]!["Override"]!.GetValue<bool>());
        Assert.Equal(local["Permissions-Policy"], custom["Permissions-Policy"]);
        Assert.Equal(local["Cross-Origin-Opener-Policy"], custom["Cross-Origin-Opener-Policy"]);
    }

    private static Dictionary<string, string> Directives(string csp) => csp
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(d => d.Split(' ', 2))
        .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "");

    [Fact]
    public void Waf_IsOffByDefault()
    {
        foreach (var synthesis in fixture.Both)
        {
            Assert.Null(synthesis.Properties("AWS::CloudFront::Distribution")["DistributionConfig"]!["WebACLId"]);
            Assert.Null(synthesis.Stack.Firewall);
        }
    }

    [Fact]
    public void Waf_PutsAWebAclInUsEast1_InFrontOfTheDistribution()
    {
        var synthesis = fixture.MinimalWaf;
        var firewall = synthesis.Stack.Firewall!;
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(synthesis.OutDir, firewall.TemplateFile)))!;
        var acl = Assert.Single(template["Resources"]!.AsObject(), r => r.Value!["Type"]!.GetValue<string>() == "AWS::WAFv2::WebACL").Value!["Properties"]!;

        Assert.Equal("us-east-1", firewall.Region);
        Assert.Equal("CLOUDFRONT", acl["Scope"]!.GetValue<string>());
        var rules = acl["Rules"]!.AsArray();
        var common = rules.Single(r => r!["Name"]!.GetValue<string>() == "AwsCommonRules")!["Statement"]!["ManagedRuleGroupStatement"]!;
        Assert.Equal(("AWS", "AWSManagedRulesCommonRuleSet"), (common["VendorName"]!.GetValue<string>(), common["Name"]!.GetValue<string>()));
        // Chat text may quote HTML, paths and URLs: the body rules count instead of blocking.
        Assert.Equal(WebFirewallStack.CountedBodyRules.Order(), common["RuleActionOverrides"]!.AsArray().Select(o => o!["Name"]!.GetValue<string>()).Order());
        var rate = rules.Single(r => r!["Name"]!.GetValue<string>() == "RateLimitPerIp")!;
        Assert.Equal("IP", rate["Statement"]!["RateBasedStatement"]!["AggregateKeyType"]!.GetValue<string>());
        Assert.Equal(WebFirewallStack.RequestsPerIpPer5Minutes, rate["Statement"]!["RateBasedStatement"]!["Limit"]!.GetValue<int>());
        Assert.NotNull(rate["Action"]!["Block"]);

        // The distribution in the main stack uses it (its ARN crosses regions through CDK's SSM-backed references).
        Assert.NotNull(synthesis.Properties("AWS::CloudFront::Distribution")["DistributionConfig"]!["WebACLId"]);
    }
}
