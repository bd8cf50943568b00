using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Constructs;

namespace ChatBot.Infra;

public sealed class ContextCacheProps
{
    public required IVpc Vpc { get; init; }
    public required SubnetSelection Subnets { get; init; }
    public required ISecurityGroup SecurityGroup { get; init; }

    /// <summary>Lower-case name, unique in the account and region.</summary>
    public required string CacheName { get; init; }

    /// <summary>Cost cap: the most data the cache may hold.</summary>
    public required int MaxDataGb { get; init; }

    /// <summary>Cost cap: the most ElastiCache Processing Units per second.</summary>
    public required int MaxEcpuPerSecond { get; init; }
}

/// <summary>
/// ElastiCache Serverless for Valkey: each conversation's recent messages, so a normal turn reads no DynamoDB.
/// Serverless Valkey always encrypts in transit (TLS) and at rest, bills from a 100 MB minimum, and the usage
/// limits below are hard caps on what it can cost. The cache is never the source of truth, so no snapshots.
/// </summary>
public sealed class ContextCache : Construct
{
    public ContextCache(Construct scope, string id, ContextCacheProps props) : base(scope, id)
    {
        Cache = new CfnServerlessCache(this, "Cache", new CfnServerlessCacheProps
        {
            ServerlessCacheName = props.CacheName,
            Engine = "valkey",
            MajorEngineVersion = "8",
            Description = "ChatBot conversation context cache",
            SubnetIds = props.Vpc.SelectSubnets(props.Subnets).SubnetIds,
            SecurityGroupIds = [props.SecurityGroup.SecurityGroupId],
            SnapshotRetentionLimit = 0,
            CacheUsageLimits = new CfnServerlessCache.CacheUsageLimitsProperty
            {
                DataStorage = new CfnServerlessCache.DataStorageProperty { Maximum = props.MaxDataGb, Unit = "GB" },
                EcpuPerSecond = new CfnServerlessCache.ECPUPerSecondProperty { Maximum = props.MaxEcpuPerSecond },
            },
        });
    }

    public CfnServerlessCache Cache { get; }

    /// <summary>A StackExchange.Redis configuration string (<c>Cache:Redis:Configuration</c>); TLS is mandatory.</summary>
    public string RedisConfiguration => $"{Cache.AttrEndpointAddress}:{Cache.AttrEndpointPort},ssl=true,abortConnect=false";
}
