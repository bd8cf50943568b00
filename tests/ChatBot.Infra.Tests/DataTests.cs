using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace ChatBot.Infra.Tests;

/// <summary>The conversation table, and what survives a stack deletion.</summary>
public sealed class DataTests(SynthFixture fixture)
{
    [Fact]
    public void Table_KeysAndIndexes_MatchTheStoresKeyDesign()
    {
        var table = fixture.Full.Properties("AWS::DynamoDB::Table");

        Assert.Equal(["PK:HASH", "SK:RANGE"], Keys(table["KeySchema"]));
        Assert.Equal(
            ["GSI1PK:S", "GSI1SK:S", "LSI1SK:S", "PK:S", "SK:S"],
            table["AttributeDefinitions"]!.AsArray().Select(a => $"{a!["AttributeName"]}:{a["AttributeType"]}").Order());

        var lsi = Assert.Single(table["LocalSecondaryIndexes"]!.AsArray())!;
        Assert.Equal("LSI1", lsi["IndexName"]!.GetValue<string>());
        Assert.Equal(["PK:HASH", "LSI1SK:RANGE"], Keys(lsi["KeySchema"]));
        Assert.Equal("ALL", lsi["Projection"]!["ProjectionType"]!.GetValue<string>());

        var gsi = Assert.Single(table["GlobalSecondaryIndexes"]!.AsArray())!;
        Assert.Equal("GSI1", gsi["IndexName"]!.GetValue<string>());
        Assert.Equal(["GSI1PK:HASH", "GSI1SK:RANGE"], Keys(gsi["KeySchema"]));
        Assert.Equal("ALL", gsi["Projection"]!["ProjectionType"]!.GetValue<string>());
    }

    [Fact]
    public void Table_ExpiresUsageItemsByTheAttributeTheUsageStoreWrites()
    {
        Assert.Equal(ChatBot.Storage.DynamoDb.DynamoDbUsageStore.ExpiresAt, ChatBot.Infra.ConversationTable.TimeToLiveAttribute);
        foreach (var synthesis in fixture.Both)
        {
            synthesis.Template.HasResourceProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
            {
                ["TimeToLiveSpecification"] = new Dictionary<string, object> { ["AttributeName"] = "ExpiresAt", ["Enabled"] = true },
            });
        }
    }

    [Fact]
    public void Table_IsOnDemand_WithPointInTimeRecoveryAndKmsEncryption()
    {
        foreach (var synthesis in fixture.Both)
        {
            synthesis.Template.HasResourceProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
            {
                ["BillingMode"] = "PAY_PER_REQUEST",
                ["PointInTimeRecoverySpecification"] = new Dictionary<string, object> { ["PointInTimeRecoveryEnabled"] = true },
                ["SSESpecification"] = new Dictionary<string, object> { ["SSEEnabled"] = true },
            });
        }
    }

    [Fact]
    public void ByDefault_TableAndUserPoolAreRetainedAndDeletionProtected()
    {
        fixture.Full.Template.HasResource("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Retain",
            ["UpdateReplacePolicy"] = "Retain",
            ["Properties"] = Match.ObjectLike(new Dictionary<string, object> { ["DeletionProtectionEnabled"] = true }),
        });
        fixture.Full.Template.HasResource("AWS::Cognito::UserPool", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Retain",
            ["Properties"] = Match.ObjectLike(new Dictionary<string, object> { ["DeletionProtection"] = "ACTIVE" }),
        });
        fixture.Full.Template.HasResource("AWS::S3::Bucket", new Dictionary<string, object> { ["DeletionPolicy"] = "Retain" });
    }

    [Fact]
    public void WithDestroy_EverythingIsDeleted_AndTheSynthSaysSo()
    {
        var minimal = fixture.Minimal;
        foreach (var type in new[] { "AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::S3::Bucket", "AWS::Logs::LogGroup" })
        {
            Assert.All(minimal.OfType(type).Values, r => Assert.Equal("Delete", r["DeletionPolicy"]!.GetValue<string>()));
        }

        Assert.False(minimal.Properties("AWS::DynamoDB::Table")["DeletionProtectionEnabled"]!.GetValue<bool>());
        Assert.Single(minimal.OfType("Custom::S3AutoDeleteObjects"));

        Annotations.FromStack(minimal.Stack).HasWarning("*", Match.StringLikeRegexp("destroy=true: 'cdk destroy' DELETES the conversation table"));
        Annotations.FromStack(fixture.Full.Stack).HasNoWarning("*", Match.StringLikeRegexp("destroy=true"));
    }

    private static List<string> Keys(JsonNode? schema) =>
        schema!.AsArray().Select(k => $"{k!["AttributeName"]}:{k["KeyType"]}").ToList();
}
