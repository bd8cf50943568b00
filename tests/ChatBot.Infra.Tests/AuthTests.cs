using System.Text.Json.Nodes;

namespace ChatBot.Infra.Tests;

/// <summary>The Cognito user pool, its app client, and the authorizer on the API.</summary>
public sealed class AuthTests(SynthFixture fixture)
{
    [Fact]
    public void UserPool_IsInviteOnly_WithEmailSignIn()
    {
        var pool = fixture.Full.Properties("AWS::Cognito::UserPool");

        Assert.True(pool["AdminCreateUserConfig"]!["AllowAdminCreateUserOnly"]!.GetValue<bool>());
        Assert.Equal(["email"], Cfn.RenderList(pool["UsernameAttributes"]));
        Assert.Equal(["email"], Cfn.RenderList(pool["AutoVerifiedAttributes"]));
        Assert.False(pool["UsernameConfiguration"]!["CaseSensitive"]!.GetValue<bool>());
    }

    [Fact]
    public void UserPool_RequiresStrongPasswords_AndOffersTotpMfa()
    {
        var pool = fixture.Full.Properties("AWS::Cognito::UserPool");
        var password = pool["Policies"]!["PasswordPolicy"]!;

        Assert.Equal(12, password["MinimumLength"]!.GetValue<int>());
        Assert.True(password["RequireLowercase"]!.GetValue<bool>());
        Assert.True(password["RequireUppercase"]!.GetValue<bool>());
        Assert.True(password["RequireNumbers"]!.GetValue<bool>());
        Assert.True(password["RequireSymbols"]!.GetValue<bool>());
        Assert.Equal("OPTIONAL", pool["MfaConfiguration"]!.GetValue<string>());
        Assert.Equal(["SOFTWARE_TOKEN_MFA"], Cfn.RenderList(pool["EnabledMfas"]));
    }

    [Fact]
    public void AdminsGroup_Exists() =>
        Assert.Equal("admins", fixture.Full.Properties("AWS::Cognito::UserPoolGroup")["GroupName"]!.GetValue<string>());

    [Fact]
    public void HostedUiDomain_PrefixIsTheStackNameAndAccount() =>
        Assert.Equal("chatbot-${AWS::AccountId}", Cfn.Render(fixture.Full.Properties("AWS::Cognito::UserPoolDomain")["Domain"]));

    [Fact]
    public void WebClient_IsPublicCodeGrantOnly_RedirectingToTheSite()
    {
        var client = fixture.Full.Properties("AWS::Cognito::UserPoolClient");
        var distribution = Assert.Single(fixture.Full.OfType("AWS::CloudFront::Distribution")).Key;
        var site = "https://${" + distribution + ".DomainName}";

        Assert.False(client["GenerateSecret"]!.GetValue<bool>());
        Assert.Equal(["code"], Cfn.RenderList(client["AllowedOAuthFlows"]));
        Assert.Equal(["openid", "email", "profile"], Cfn.RenderList(client["AllowedOAuthScopes"]));
        Assert.Equal([site + "/", site], Cfn.RenderList(client["CallbackURLs"]));
        Assert.Equal([site + "/", site], Cfn.RenderList(client["LogoutURLs"]));
        Assert.Equal(["COGNITO"], Cfn.RenderList(client["SupportedIdentityProviders"]));
        Assert.Equal("ENABLED", client["PreventUserExistenceErrors"]!.GetValue<string>());
        Assert.Equal("minutes", client["TokenValidityUnits"]!["RefreshToken"]!.GetValue<string>());
    }

    [Fact]
    public void Authorizer_VerifiesTokensFromThisUserPool()
    {
        var authorizer = fixture.Full.Properties("AWS::ApiGateway::Authorizer");
        var pool = Assert.Single(fixture.Full.OfType("AWS::Cognito::UserPool")).Key;

        Assert.Equal("COGNITO_USER_POOLS", authorizer["Type"]!.GetValue<string>());
        Assert.Equal(["${" + pool + ".Arn}"], Cfn.RenderList(authorizer["ProviderARNs"]));
        Assert.Equal("method.request.header.Authorization", authorizer["IdentitySource"]!.GetValue<string>());
    }

    [Fact]
    public void EveryMethod_ExceptGetHealth_RequiresTheCognitoAuthorizerAndOpenIdScope()
    {
        foreach (var synthesis in fixture.Both)
        {
            var authorizer = Assert.Single(synthesis.OfType("AWS::ApiGateway::Authorizer")).Key;
            var methods = synthesis.OfType("AWS::ApiGateway::Method").Values.Select(m => m["Properties"]!.AsObject()).ToList();
            Assert.Equal(2, methods.Count);

            var (health, others) = (methods.Where(IsGetHealth).ToList(), methods.Where(m => !IsGetHealth(m)).ToList());
            var open = Assert.Single(health);
            Assert.Equal("NONE", open["AuthorizationType"]!.GetValue<string>());

            Assert.NotEmpty(others);
            Assert.All(others, method =>
            {
                Assert.Equal("COGNITO_USER_POOLS", method["AuthorizationType"]!.GetValue<string>());
                Assert.Equal("${" + authorizer + "}", Cfn.Render(method["AuthorizerId"]));
                Assert.Equal(["openid"], Cfn.RenderList(method["AuthorizationScopes"]));
            });

            bool IsGetHealth(JsonObject method) =>
                method["HttpMethod"]!.GetValue<string>() == "GET" && PathOf(synthesis, method) == "/api/health";
        }
    }

    [Fact]
    public void WebClientAccessTokens_CarryEveryScopeTheMethodsRequire()
    {
        // The browser sends the access token (frontend/src/auth/cognito.ts); API Gateway checks its scope claim against
        // each method's AuthorizationScopes, so the client must be allowed every one of them (the frontend asks for openid).
        foreach (var synthesis in fixture.Both)
        {
            var allowed = Cfn.RenderList(synthesis.Properties("AWS::Cognito::UserPoolClient")["AllowedOAuthScopes"]);
            var required = synthesis.OfType("AWS::ApiGateway::Method").Values
                .SelectMany(m => Cfn.RenderList(m["Properties"]!["AuthorizationScopes"]))
                .ToHashSet();

            Assert.Equal(new HashSet<string> { UserDirectory.ApiScope }, required);
            Assert.Equal("openid", UserDirectory.ApiScope);
            Assert.Subset(allowed.ToHashSet(), required);
        }
    }

    [Fact]
    public void ApiRoutes_AreHealthAndAProxyUnderApi()
    {
        var paths = fixture.Full.OfType("AWS::ApiGateway::Method").Values
            .Select(m => m["Properties"]!["HttpMethod"]!.GetValue<string>() + " " + PathOf(fixture.Full, m["Properties"]!.AsObject()))
            .Order();

        Assert.Equal(["ANY /api/{proxy+}", "GET /api/health"], paths);
    }

    /// <summary>The full path of a method, rebuilt from its AWS::ApiGateway::Resource chain.</summary>
    private static string PathOf(Synthesis synthesis, JsonObject method)
    {
        var path = "";
        var reference = method["ResourceId"];
        while (reference?["Ref"] is { } id && synthesis.Resources[id.GetValue<string>()] is JsonObject resource)
        {
            path = "/" + resource["Properties"]!["PathPart"]!.GetValue<string>() + path;
            reference = resource["Properties"]!["ParentId"];
        }

        return path;
    }
}
