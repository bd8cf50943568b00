using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace ChatBot.Infra.Tests;

/// <summary>The site bucket, CloudFront, security headers, SPA routing, /api routing and the deployed config.</summary>
public sealed class WebsiteTests(SynthFixture fixture)
{
    private const string CachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    private const string AllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

    [Fact]
    public void Bucket_BlocksAllPublicAccess_AndIsEncrypted()
    {
        foreach (var synthesis in fixture.Both)
        {
            synthesis.Template.HasResourceProperties("AWS::S3::Bucket", new Dictionary<string, object>
            {
                ["PublicAccessBlockConfiguration"] = new Dictionary<string, object>
                {
                    ["BlockPublicAcls"] = true,
                    ["BlockPublicPolicy"] = true,
                    ["IgnorePublicAcls"] = true,
                    ["RestrictPublicBuckets"] = true,
                },
                ["BucketEncryption"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["ServerSideEncryptionConfiguration"] = new object[]
                    {
                        new Dictionary<string, object>
                        {
                            ["ServerSideEncryptionByDefault"] = new Dictionary<string, object> { ["SSEAlgorithm"] = "AES256" },
                        },
                    },
                }),
                ["OwnershipControls"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Rules"] = new object[] { new Dictionary<string, object> { ["ObjectOwnership"] = "BucketOwnerEnforced" } },
                }),
            });
        }
    }

    [Fact]
    public void BucketPolicy_DeniesPlainHttp_AndAllowsOnlyThisDistributionToRead()
    {
        var statements = fixture.Full.Properties("AWS::S3::BucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray()
            .Select(s => s!.AsObject()).ToList();

        var denyHttp = Assert.Single(statements, s => s["Effect"]!.GetValue<string>() == "Deny");
        Assert.Equal("false", denyHttp["Condition"]!["Bool"]!["aws:SecureTransport"]!.ToString());

        var allows = statements.Where(s => s["Effect"]!.GetValue<string>() == "Allow").ToList();
        var read = Assert.Single(allows);
        Assert.Equal("cloudfront.amazonaws.com", read["Principal"]!["Service"]!.GetValue<string>());
        Assert.Equal(["s3:GetObject"], Cfn.RenderList(read["Action"]));
        var distribution = Assert.Single(fixture.Full.OfType("AWS::CloudFront::Distribution")).Key;
        Assert.Contains("distribution/${" + distribution + "}", Cfn.Render(read["Condition"]!["StringEquals"]!["AWS:SourceArn"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Distribution_ReadsTheBucketThroughOriginAccessControl()
    {
        var oac = fixture.Full.Properties("AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]!;
        Assert.Equal("s3", oac["OriginAccessControlOriginType"]!.GetValue<string>());
        Assert.Equal("always", oac["SigningBehavior"]!.GetValue<string>());
        Assert.Equal("sigv4", oac["SigningProtocol"]!.GetValue<string>());

        var s3Origin = Origins(fixture.Full).Single(o => o["S3OriginConfig"] is not null);
        Assert.NotNull(s3Origin["OriginAccessControlId"]);
        Assert.Equal("", s3Origin["S3OriginConfig"]!["OriginAccessIdentity"]!.GetValue<string>());
        fixture.Full.Template.ResourceCountIs("AWS::CloudFront::CloudFrontOriginAccessIdentity", 0);
    }

    [Fact]
    public void HeadersPolicy_SetsStrictCspHstsNosniffAndFrameDeny()
    {
        var security = fixture.Full.Properties("AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;

        var csp = Cfn.Render(security["ContentSecurityPolicy"]!["ContentSecurityPolicy"]);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        // The issuer (discovery) and the hosted UI (tokens, revocation): the web app's OIDC client talks to both.
        Assert.Matches(@"connect-src 'self' https://cognito-idp\.us-west-2\.amazonaws\.com https://\$\{UsersPoolDomain\w+\}\.auth\.us-west-2\.amazoncognito\.com;", csp);

        Assert.Equal(63072000, security["StrictTransportSecurity"]!["AccessControlMaxAgeSec"]!.GetValue<int>());
        Assert.True(security["StrictTransportSecurity"]!["IncludeSubdomains"]!.GetValue<bool>());
        Assert.True(security["ContentTypeOptions"]!["Override"]!.GetValue<bool>());
        Assert.Equal("DENY", security["FrameOptions"]!["FrameOption"]!.GetValue<string>());
        Assert.Equal("same-origin", security["ReferrerPolicy"]!["ReferrerPolicy"]!.GetValue<string>());
    }

    [Fact]
    public void EveryBehavior_UsesTheHeadersPolicy_AndHttps()
    {
        var config = DistributionConfig(fixture.Full);
        var behaviors = config["CacheBehaviors"]!.AsArray().Select(b => b!).Append(config["DefaultCacheBehavior"]!).ToList();
        var policy = Assert.Single(fixture.Full.OfType("AWS::CloudFront::ResponseHeadersPolicy")).Key;

        Assert.All(behaviors, b =>
        {
            Assert.Equal("${" + policy + "}", Cfn.Render(b["ResponseHeadersPolicyId"]));
            Assert.NotEqual("allow-all", b["ViewerProtocolPolicy"]!.GetValue<string>());
        });
    }

    [Fact]
    public void ClientSideRoutes_AreRewrittenToIndexHtml_WithoutErrorPagesThatWouldHideApiErrors()
    {
        var config = DistributionConfig(fixture.Full);
        Assert.Null(config["CustomErrorResponses"]);
        Assert.Equal("index.html", config["DefaultRootObject"]!.GetValue<string>());

        var association = Assert.Single(config["DefaultCacheBehavior"]!["FunctionAssociations"]!.AsArray())!;
        Assert.Equal("viewer-request", association["EventType"]!.GetValue<string>());

        var code = fixture.Full.Properties("AWS::CloudFront::Function")["FunctionCode"]!.GetValue<string>();
        Assert.Contains("request.uri = '/index.html'", code, StringComparison.Ordinal);
        Assert.Contains("indexOf('.') === -1", code, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiPath_GoesToTheRestApi_UncachedWithAllViewerHeadersButHost()
    {
        var config = DistributionConfig(fixture.Full);
        var api = Assert.Single(config["CacheBehaviors"]!.AsArray())!;

        Assert.Equal("/api/*", api["PathPattern"]!.GetValue<string>());
        Assert.Equal(CachingDisabled, api["CachePolicyId"]!.GetValue<string>());
        Assert.Equal(AllViewerExceptHostHeader, api["OriginRequestPolicyId"]!.GetValue<string>());
        Assert.Equal(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"], Cfn.RenderList(api["AllowedMethods"]));
        Assert.False(api["Compress"]!.GetValue<bool>());
        Assert.Equal("https-only", api["ViewerProtocolPolicy"]!.GetValue<string>());

        var origin = Origins(fixture.Full).Single(o => o["Id"]!.ToString() == api["TargetOriginId"]!.ToString());
        Assert.Contains(".execute-api.us-west-2.", Cfn.Render(origin["DomainName"]), StringComparison.Ordinal);
        Assert.Equal("https-only", origin["CustomOriginConfig"]!["OriginProtocolPolicy"]!.GetValue<string>());
        Assert.Equal(60, origin["CustomOriginConfig"]!["OriginReadTimeout"]!.GetValue<int>());
    }

    [Fact]
    public void SiteContent_DeploysTheBuildAndInvalidatesTheDistribution()
    {
        var deployment = fixture.Full.Properties("Custom::CDKBucketDeployment");
        var bucket = Assert.Single(fixture.Full.OfType("AWS::S3::Bucket")).Key;
        var distribution = Assert.Single(fixture.Full.OfType("AWS::CloudFront::Distribution")).Key;

        Assert.Equal("${" + bucket + "}", Cfn.Render(deployment["DestinationBucketName"]));
        Assert.Equal("${" + distribution + "}", Cfn.Render(deployment["DistributionId"]));
        Assert.Equal(["/*"], Cfn.RenderList(deployment["DistributionPaths"]));
        Assert.Equal(2, deployment["SourceObjectKeys"]!.AsArray().Count);
    }

    /// <summary>
    /// The contract with frontend/src/config.ts (parseConfig, tested there with this same shape): exactly these keys,
    /// the region and pool the issuer URL is derived from, and the hosted UI as a full https URL for sign-out.
    /// </summary>
    [Theory]
    [InlineData("full", "us-west-2")]
    [InlineData("minimal", SynthFixture.MinimalRegion)]
    public void ConfigJson_TellsTheAppItsRegionUserPoolClientDomainAndApiPath(string profile, string region)
    {
        var synthesis = profile == "full" ? fixture.Full : fixture.Minimal;
        var config = DeployedConfig(synthesis);

        Assert.Equal(["apiBasePath", "cognitoDomain", "region", "userPoolClientId", "userPoolId"], config.Keys.Order());
        Assert.Equal(region, config["region"]);
        Assert.Equal("/api", config["apiBasePath"]);
        Assert.Equal("${" + Assert.Single(synthesis.OfType("AWS::Cognito::UserPool")).Key + "}", config["userPoolId"]);
        Assert.Equal("${" + Assert.Single(synthesis.OfType("AWS::Cognito::UserPoolClient")).Key + "}", config["userPoolClientId"]);
        Assert.Equal(
            "https://${" + Assert.Single(synthesis.OfType("AWS::Cognito::UserPoolDomain")).Key + "}.auth." + region + ".amazoncognito.com",
            config["cognitoDomain"]);
    }

    /// <summary>
    /// The web app reads OIDC discovery from the issuer it derives from config.json's region and pool
    /// (https://cognito-idp.{region}.amazonaws.com/{pool}), then exchanges and revokes tokens on the hosted UI domain:
    /// the CSP must let it connect to both, in each profile's region.
    /// </summary>
    [Fact]
    public void Csp_LetsTheWebAppConnectToTheIssuerAndTheHostedUiThatConfigJsonNames()
    {
        foreach (var synthesis in fixture.Both)
        {
            var config = DeployedConfig(synthesis);
            var csp = Cfn.Render(synthesis.Properties("AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]!
                ["SecurityHeadersConfig"]!["ContentSecurityPolicy"]!["ContentSecurityPolicy"]);
            var connectSources = csp.Split("; ").Single(d => d.StartsWith("connect-src ", StringComparison.Ordinal)).Split(' ').Skip(1).ToList();

            Assert.Equal(["'self'", $"https://cognito-idp.{config["region"]}.amazonaws.com", config["cognitoDomain"]], connectSources);
        }
    }

    /// <summary>config.json as deployed: the JsonData source is staged as a folder holding it, its tokens as markers.</summary>
    private static Dictionary<string, string> DeployedConfig(Synthesis synthesis)
    {
        var deployment = synthesis.Properties("Custom::CDKBucketDeployment");
        var markers = deployment["SourceMarkers"]!.AsArray().Select(m => m!.AsObject()).Single(m => m.Count > 0);
        var configFile = Directory.GetFiles(synthesis.OutDir, "config.json", SearchOption.AllDirectories).Single();
        return JsonNode.Parse(File.ReadAllText(configFile))!.AsObject().ToDictionary(
            p => p.Key,
            p => markers.Aggregate(p.Value!.GetValue<string>(), (current, m) => current.Replace(m.Key, Cfn.Render(m.Value), StringComparison.Ordinal)));
    }

    private static JsonObject DistributionConfig(Synthesis synthesis) =>
        synthesis.Properties("AWS::CloudFront::Distribution")["DistributionConfig"]!.AsObject();

    private static List<JsonObject> Origins(Synthesis synthesis) =>
        DistributionConfig(synthesis)["Origins"]!.AsArray().Select(o => o!.AsObject()).ToList();
}
