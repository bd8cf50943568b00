using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace ChatBot.Infra;

public sealed class WebsiteProps
{
    /// <summary>The API, served at <c>/api/*</c> on the same origin so the app needs no CORS.</summary>
    public required RestApi Api { get; init; }

    /// <summary>The Cognito hosted UI URL: where the page exchanges codes for tokens and revokes them.</summary>
    public required string HostedUiUrl { get; init; }

    /// <summary>
    /// The origin of the Cognito issuer, <c>https://cognito-idp.{region}.amazonaws.com</c>: the page reads the OIDC
    /// discovery document from it before it can send anyone to sign in.
    /// </summary>
    public required string IssuerOrigin { get; init; }

    /// <summary>DESTROY also empties the bucket on delete; RETAIN keeps it (and its files).</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }

    /// <summary>The API key CloudFront sends to the API, which answers no one else (see <see cref="ChatApi"/>).</summary>
    public required string ApiOriginKey { get; init; }

    /// <summary>The ARN of a web ACL in front of the distribution (<c>waf=true</c>), or null for none.</summary>
    public string? WebAclArn { get; init; }
}

/// <summary>
/// The site: a private S3 bucket read only by CloudFront (Origin Access Control), a strict response-headers policy,
/// client-side routing to index.html, and <c>/api/*</c> routed uncached to the REST API.
/// </summary>
public sealed class Website : Construct
{
    /// <summary>CloudFront waits at most this long for the first byte and between streamed chunks (60 s is the most
    /// allowed without a quota increase); the model's first token comes well within it.</summary>
    public static readonly Duration ApiReadTimeout = Duration.Seconds(60);

    public Website(Construct scope, string id, WebsiteProps props) : base(scope, id)
    {
        Bucket = PrivateBucket.Create(
            this,
            props.RemovalPolicy,
            "The bucket holds only the built, public web app and is read solely by CloudFront through OAC; " +
            "server access logs would record nothing but CloudFront fetches.");

        HeadersPolicy = new ResponseHeadersPolicy(this, "Headers", new ResponseHeadersPolicyProps
        {
            Comment = "ChatBot: strict security headers",
            SecurityHeadersBehavior = new ResponseSecurityHeadersBehavior
            {
                ContentSecurityPolicy = new ResponseHeadersContentSecurityPolicy
                {
                    ContentSecurityPolicy = ContentSecurityPolicy(props.IssuerOrigin, props.HostedUiUrl),
                    Override = true,
                },
                StrictTransportSecurity = new ResponseHeadersStrictTransportSecurity
                {
                    AccessControlMaxAge = Duration.Days(730),
                    IncludeSubdomains = true,
                    Override = true,
                },
                ContentTypeOptions = new ResponseHeadersContentTypeOptions { Override = true },
                FrameOptions = new ResponseHeadersFrameOptions { FrameOption = HeadersFrameOption.DENY, Override = true },
                ReferrerPolicy = new ResponseHeadersReferrerPolicy { ReferrerPolicy = HeadersReferrerPolicy.SAME_ORIGIN, Override = true },
            },
            CustomHeadersBehavior = new ResponseCustomHeadersBehavior
            {
                CustomHeaders =
                [
                    new ResponseCustomHeader { Header = "Permissions-Policy", Value = "camera=(), microphone=(), geolocation=(), payment=()", Override = true },
                    new ResponseCustomHeader { Header = "Cross-Origin-Opener-Policy", Value = "same-origin", Override = true },
                ],
            },
        });

        // Client-side routes (no file extension) get index.html. A viewer-request function rather than 403/404
        // error responses, which would also turn the API's own 404s into index.html.
        var spaRouting = new Amazon.CDK.AWS.CloudFront.Function(this, "SpaRouting", new FunctionProps
        {
            Comment = "Serve index.html for client-side routes",
            Runtime = FunctionRuntime.JS_2_0,
            Code = FunctionCode.FromInline(
                """
                function handler(event) {
                  var request = event.request;
                  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
                  if (last.indexOf('.') === -1) {
                    request.uri = '/index.html';
                  }
                  return request;
                }
                """),
        });

        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = Stack.Of(this).StackName + " web app and API",
            DefaultRootObject = "index.html",
            // North America and Europe edges only: the cheapest price class.
            PriceClass = PriceClass.PRICE_CLASS_100,
            HttpVersion = HttpVersion.HTTP2_AND_3,
            EnableIpv6 = true,
            WebAclId = props.WebAclArn,
            DefaultBehavior = new BehaviorOptions
            {
                Origin = S3BucketOrigin.WithOriginAccessControl(Bucket),
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                ResponseHeadersPolicy = HeadersPolicy,
                Compress = true,
                FunctionAssociations =
                [
                    new FunctionAssociation { EventType = FunctionEventType.VIEWER_REQUEST, Function = spaRouting },
                ],
            },
            AdditionalBehaviors = new Dictionary<string, IBehaviorOptions>
            {
                ["/api/*"] = new BehaviorOptions
                {
                    // The stage is the origin path, so /api/x reaches the API's /api/x resource.
                    Origin = new RestApiOrigin(props.Api, new RestApiOriginProps
                    {
                        ReadTimeout = ApiReadTimeout,
                        // Replaces any viewer-sent header of the same name, so only CloudFront's value reaches the API.
                        CustomHeaders = new Dictionary<string, string> { [ChatApi.OriginKeyHeader] = props.ApiOriginKey },
                    }),
                    AllowedMethods = AllowedMethods.ALLOW_ALL,
                    ViewerProtocolPolicy = ViewerProtocolPolicy.HTTPS_ONLY,
                    CachePolicy = CachePolicy.CACHING_DISABLED,
                    // Everything the viewer sent (Authorization, Accept, cookies, query) except Host, which must be
                    // the API's own host name for API Gateway to route the request.
                    OriginRequestPolicy = OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    ResponseHeadersPolicy = HeadersPolicy,
                    // Compression would buffer the server-sent event stream.
                    Compress = false,
                },
            },
        });

        NagRule[] findings =
        [
            new("AwsSolutions-CFR1", "ChatBot serves its users wherever they are; access is controlled by Cognito sign-in, not geography."),
            new("AwsSolutions-CFR3",
                "Standard logs would need a log bucket with ACLs; API calls are already logged by API Gateway access logs, and the site is static."),
            new("AwsSolutions-CFR4",
                "The default *.cloudfront.net certificate cannot pin a minimum TLS version; with a custom domain, set TLSv1.2_2021."),
        ];
        Nag.Suppress(Distribution, props.WebAclArn is not null
            ? findings
            : [.. findings, new("AwsSolutions-CFR2",
                "Deployed without -c waf=true (a web ACL costs about $7/month): the API is throttled and authenticated, the static site is read-only.")]);
    }

    public Bucket Bucket { get; }
    public Distribution Distribution { get; }
    public ResponseHeadersPolicy HeadersPolicy { get; }

    public string SiteUrl => "https://" + Distribution.DistributionDomainName;

    /// <summary>
    /// Only this origin's scripts, styles and data, plus Cognito's two hosts: the issuer (discovery) and the hosted UI
    /// (token and revocation endpoints). No inline script or style, no framing, no plugins.
    /// </summary>
    public static string ContentSecurityPolicy(string issuerOrigin, string hostedUiUrl) => string.Join("; ",
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        $"connect-src 'self' {issuerOrigin} {hostedUiUrl}",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "upgrade-insecure-requests");
}
