using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SSM;
using Amazon.CDK.AWS.WAFv2;
using Amazon.CDK.CustomResources;
using Constructs;

namespace ChatBot.Infra;

/// <summary>
/// The optional AWS WAF web ACL in front of CloudFront (context <c>waf=true</c>). A web ACL for CloudFront must live in
/// us-east-1, so it is its own small stack there; it publishes the web ACL's ARN as an SSM parameter, which the main
/// stack reads at deploy time (<see cref="ReadArn"/>). Two rules: AWS's managed common rule set, and a per-IP rate limit.
/// <para>
/// The common rule set's body rules (size, cross-site scripting, file inclusion, SSRF) only count: a chat message is
/// free text that may quote HTML, paths and URLs, and its size is the app's to limit (16 KiB); blocking on them would
/// refuse legitimate questions about code. Headers, paths, query strings and cookies are still blocked.
/// </para>
/// </summary>
public sealed class WebFirewallStack : Stack
{
    /// <summary>CloudFront web ACLs are global resources managed in us-east-1.</summary>
    public const string CloudFrontRegion = "us-east-1";

    /// <summary>Requests per source IP per 5 minutes before WAF blocks it for a while: a person chatting sends far fewer.</summary>
    public const int RequestsPerIpPer5Minutes = 1000;

    /// <summary>Rules of the common rule set that inspect the request body, counted instead of blocked (see above).</summary>
    public static readonly string[] CountedBodyRules =
        ["SizeRestrictions_BODY", "CrossSiteScripting_BODY", "GenericLFI_BODY", "GenericRFI_BODY", "EC2MetaDataSSRF_BODY"];

    public WebFirewallStack(Construct scope, string id, IStackProps props) : base(scope, id, props)
    {
        WebAcl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "CLOUDFRONT",
            Description = "ChatBot: AWS managed common rules and a per-IP rate limit in front of CloudFront",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = Visibility("chatbot-web-acl"),
            Rules = new object[]
            {
                new CfnWebACL.RuleProperty
                {
                    Name = "AwsCommonRules",
                    Priority = 0,
                    OverrideAction = new CfnWebACL.OverrideActionProperty { None = new Dictionary<string, object>() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        ManagedRuleGroupStatement = new CfnWebACL.ManagedRuleGroupStatementProperty
                        {
                            VendorName = "AWS",
                            Name = "AWSManagedRulesCommonRuleSet",
                            RuleActionOverrides = CountedBodyRules.Select(rule => (object)new CfnWebACL.RuleActionOverrideProperty
                            {
                                Name = rule,
                                ActionToUse = new CfnWebACL.RuleActionProperty { Count = new CfnWebACL.CountActionProperty() },
                            }).ToArray(),
                        },
                    },
                    VisibilityConfig = Visibility("chatbot-common-rules"),
                },
                new CfnWebACL.RuleProperty
                {
                    Name = "RateLimitPerIp",
                    Priority = 1,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty
                        {
                            Limit = RequestsPerIpPer5Minutes,
                            AggregateKeyType = "IP",
                        },
                    },
                    VisibilityConfig = Visibility("chatbot-rate-limit"),
                },
            },
        });

        ArnParameterName = $"/{StackName}/web-acl-arn";
        _ = new StringParameter(this, "WebAclArn", new StringParameterProps
        {
            ParameterName = ArnParameterName,
            StringValue = WebAcl.AttrArn,
            Description = "The web ACL's ARN, read by the main ChatBot stack in its own region",
        });
    }

    public CfnWebACL WebAcl { get; }

    /// <summary>The SSM parameter (in us-east-1) that holds <see cref="WebAcl"/>'s ARN.</summary>
    public string ArnParameterName { get; }

    /// <summary>
    /// The web ACL's ARN for a stack in another region: an AwsCustomResource reads the parameter from us-east-1 at
    /// deploy time, allowed to read that one parameter only. The ACL's name and scope are fixed, so its ARN never
    /// changes after the first deployment and the read never goes stale.
    /// </summary>
    public string ReadArn(Construct consumer)
    {
        var stack = Stack.Of(consumer);
        var read = new AwsSdkCall
        {
            Service = "SSM",
            Action = "getParameter",
            Parameters = new Dictionary<string, object> { ["Name"] = ArnParameterName },
            Region = CloudFrontRegion,
            PhysicalResourceId = PhysicalResourceId.Of(ArnParameterName),
            OutputPaths = ["Parameter.Value"],
        };
        var lookup = new AwsCustomResource(consumer, "WebAclArnLookup", new AwsCustomResourceProps
        {
            ResourceType = "Custom::WebAclArnLookup",
            OnCreate = read,
            OnUpdate = read,
            Policy = AwsCustomResourcePolicy.FromStatements(
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Actions = ["ssm:GetParameter"],
                    Resources = [$"arn:{stack.Partition}:ssm:{CloudFrontRegion}:{stack.Account}:parameter{ArnParameterName}"],
                }),
            ]),
            InstallLatestAwsSdk = false,
        });
        return lookup.GetResponseField("Parameter.Value");
    }

    private static CfnWebACL.VisibilityConfigProperty Visibility(string metric) => new()
    {
        CloudWatchMetricsEnabled = true,
        MetricName = metric,
        SampledRequestsEnabled = true,
    };
}
