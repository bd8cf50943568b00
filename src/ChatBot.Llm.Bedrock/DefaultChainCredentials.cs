using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace ChatBot.Llm.Bedrock;

/// <summary>
/// The AWS SDK's default credential chain (environment variables, profile, web identity, then the container or instance
/// role), walked on first use rather than at startup, so a missing credential is a clear model error instead of a crash.
/// The chain caches what it finds; role credentials are SDK refreshing credentials that renew themselves before expiry.
/// </summary>
internal sealed class DefaultChainCredentials : AWSCredentials
{
    public override ImmutableCredentials GetCredentials() =>
        DefaultAWSCredentialsIdentityResolver.GetCredentials(null).GetCredentials();

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        var credentials = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null);
        return await credentials.GetCredentialsAsync();
    }
}
