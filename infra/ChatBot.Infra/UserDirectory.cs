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
}

/// <summary>
/// The Cognito user pool. Self sign-up is off: an admin invites users (console or CLI), who sign in with their
/// email address through the hosted UI. Strong passwords, optional TOTP MFA, and an <c>admins</c> group.
/// </summary>
public sealed class UserDirectory : Construct
{
    public const string AdminsGroup = "admins";
    public const string ApiScope = "openid";

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
            Mfa = Mfa.OPTIONAL,
            MfaSecondFactor = new MfaSecondFactor { Otp = true, Sms = false },
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            RemovalPolicy = props.RemovalPolicy,
            DeletionProtection = retain,
        });

        Nag.Suppress(UserPool,
            new NagRule("AwsSolutions-COG2",
                "MFA is optional by design: every user can turn on TOTP, and an organisation that requires it can set Mfa.REQUIRED."),
            new NagRule("AwsSolutions-COG8",
                "Threat protection needs the Plus feature plan, billed per monthly active user; invite-only sign-up, strong passwords " +
                "and optional TOTP suit a small self-hosted chat."));

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
        return UserPool.AddClient("WebClient", new UserPoolClientOptions
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
            RefreshTokenValidity = Duration.Days(30),
        });
    }
}
