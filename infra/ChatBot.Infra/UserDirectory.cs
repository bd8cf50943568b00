using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Constructs;

namespace ChatBot.Infra;

public sealed class UserDirectoryProps
{
    /// <summary>Hosted UI domain prefix; unique per region, lower case, no "aws", "amazon" or "cognito".</summary>
    public required string DomainPrefix { get; init; }

    /// <summary>RETAIN keeps every user account when the stack is deleted.</summary>
    public required RemovalPolicy RemovalPolicy { get; init; }

    /// <summary>Every user must set up TOTP at first sign-in (context <c>mfa=required</c>); otherwise each user may.</summary>
    public bool MfaRequired { get; init; }

    /// <summary>
    /// Cognito threat protection (context <c>threatProtection</c>, on by default): the Plus feature plan, enforcing
    /// compromised-credential and adaptive-authentication checks. Billed per monthly active user only, so $0 while idle.
    /// </summary>
    public bool ThreatProtection { get; init; } = true;
}

/// <summary>
/// The Cognito user pool. Self sign-up is off: an admin invites users (console or CLI), who sign in with their
/// email address through the hosted UI. Strong passwords, TOTP MFA (optional, or required with <c>mfa=required</c>),
/// threat protection (Plus plan), an email change that takes effect only once the new address is verified, and an
/// <c>admins</c> group.
/// </summary>
public sealed class UserDirectory : Construct
{
    public const string AdminsGroup = "admins";
    public const string ApiScope = "openid";

    /// <summary>Cognito's Plus feature plan, the one that offers threat protection (CloudFormation <c>UserPoolTier</c>).</summary>
    public const string PlusTier = "PLUS";

    /// <summary>
    /// How long a sign-in lasts without a password: one day, a working day's use of a chat app. Each refresh
    /// rotates the refresh token (see <see cref="AddWebClient"/>), so a stolen one stops working once the app has used it.
    /// </summary>
    public static readonly Duration RefreshTokenValidity = Duration.Days(1);

    public UserDirectory(Construct scope, string id, UserDirectoryProps props) : base(scope, id)
    {
        var retain = props.RemovalPolicy != Amazon.CDK.RemovalPolicy.DESTROY;
        UserPool = new UserPool(this, "Pool", new UserPoolProps
        {
            SelfSignUpEnabled = false,
            SignInAliases = new SignInAliases { Email = true },
            SignInCaseSensitive = false,
            AutoVerify = new AutoVerifiedAttrs { Email = true },
            StandardAttributes = new StandardAttributes
            {
                Email = new StandardAttribute { Required = true, Mutable = true },
            },
            PasswordPolicy = new PasswordPolicy
            {
                MinLength = 12,
                RequireLowercase = true,
                RequireUppercase = true,
                RequireDigits = true,
                RequireSymbols = true,
                TempPasswordValidity = Duration.Days(3),
            },
            Mfa = props.MfaRequired ? Mfa.REQUIRED : Mfa.OPTIONAL,
            MfaSecondFactor = new MfaSecondFactor { Otp = true, Sms = false },
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            // A changed email address replaces the old one only once its code is confirmed, so a hijacked session
            // cannot move the account (and its password resets) to an attacker's address.
            KeepOriginal = new KeepOriginalAttrs { Email = true },
            AdvancedSecurityMode = props.ThreatProtection ? AdvancedSecurityMode.ENFORCED : null,
            RemovalPolicy = props.RemovalPolicy,
            DeletionProtection = retain,
        });

        if (props.ThreatProtection)
        {
            // Escape hatch: CDK 2.160 has no FeaturePlan; after upgrading, use UserPoolProps.FeaturePlan = FeaturePlan.PLUS.
            ((CfnUserPool)UserPool.Node.DefaultChild!).AddPropertyOverride("UserPoolTier", PlusTier);
        }

        var findings = new List<NagRule>();
        if (!props.MfaRequired)
        {
            findings.Add(new NagRule("AwsSolutions-COG2",
                "MFA is optional by default: every user can turn on TOTP, and deploying with -c mfa=required makes it mandatory."));
        }

        if (!props.ThreatProtection)
        {
            findings.Add(new NagRule("AwsSolutions-COG8",
                "Deployed with -c threatProtection=false: the Essentials plan without threat protection, chosen by the operator to save the Plus plan's per-user price."));
        }

        if (findings.Count > 0)
        {
            Nag.Suppress(UserPool, [.. findings]);
        }

        _ = new CfnUserPoolGroup(this, "AdminsGroup", new CfnUserPoolGroupProps
        {
            UserPoolId = UserPool.UserPoolId,
            GroupName = AdminsGroup,
            Description = "ChatBot administrators",
        });

        Domain = UserPool.AddDomain("Domain", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = props.DomainPrefix },
        });
    }

    public UserPool UserPool { get; }
    public UserPoolDomain Domain { get; }

    /// <summary>The hosted UI base URL, <c>https://{prefix}.auth.{region}.amazoncognito.com</c>.</summary>
    public string HostedUiUrl => Domain.BaseUrl();

    /// <summary>
    /// The browser app's client: public (no secret), authorization code grant with PKCE, redirecting only to the site.
    /// </summary>
    public UserPoolClient AddWebClient(string siteUrl)
    {
        // Both spellings of the site root, since browsers report the origin without the slash.
        string[] urls = [siteUrl + "/", siteUrl];
        var client = UserPool.AddClient("WebClient", new UserPoolClientOptions
        {
            GenerateSecret = false,
            // SRP never sends the password; refresh-token auth is added with it. The hosted UI needs no other flow.
            AuthFlows = new AuthFlow { UserSrp = true },
            OAuth = new OAuthSettings
            {
                // Cognito checks the PKCE code_verifier whenever the client sends a code_challenge; the SPA always does.
                Flows = new OAuthFlows { AuthorizationCodeGrant = true, ImplicitCodeGrant = false, ClientCredentials = false },
                Scopes = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
                CallbackUrls = urls,
                LogoutUrls = urls,
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            PreventUserExistenceErrors = true,
            EnableTokenRevocation = true,
            AccessTokenValidity = Duration.Hours(1),
            IdTokenValidity = Duration.Hours(1),
            RefreshTokenValidity = RefreshTokenValidity,
        });
        // Escape hatch: CDK 2.160 predates refresh-token rotation. Each refresh returns a new refresh token and invalidates
        // the one used; the grace period covers a retry of a refresh whose answer was lost.
        ((CfnUserPoolClient)client.Node.DefaultChild!).AddPropertyOverride("RefreshTokenRotation", new Dictionary<string, object>
        {
            ["Feature"] = "ENABLED",
            ["RetryGracePeriodSeconds"] = RefreshRetryGracePeriodSeconds,
        });
        return client;
    }

    /// <summary>How long a just-rotated refresh token still works, for a retried refresh (0-60 s allowed).</summary>
    public const int RefreshRetryGracePeriodSeconds = 10;
}
