using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace ChatBot.Infra;

/// <summary>The stack's one kind of bucket: private, encrypted, TLS only, no ACLs. Every bucket it makes is one of these.</summary>
public static class PrivateBucket
{
    /// <param name="accessLogsNotNeeded">Why server access logs would add nothing (cdk-nag AwsSolutions-S1).</param>
    public static Bucket Create(Construct scope, RemovalPolicy removalPolicy, string accessLogsNotNeeded)
    {
        var bucket = new Bucket(scope, "Bucket", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            RemovalPolicy = removalPolicy,
            // DESTROY also empties the bucket on delete; RETAIN keeps it and its files.
            AutoDeleteObjects = removalPolicy == RemovalPolicy.DESTROY,
        });
        Nag.Suppress(bucket, new NagRule("AwsSolutions-S1", accessLogsNotNeeded));
        return bucket;
    }
}
