using System.Text.Json.Nodes;
using ChatBot.Api.Telemetry;

namespace ChatBot.Infra.Tests;

/// <summary>The dashboard, each alarm, and the topic they notify.</summary>
public sealed class MonitoringTests(SynthFixture fixture)
{
    [Fact]
    public void AlarmTopic_RefusesPlainHttp_AndInTheFullProfileIsEncryptedWithARotatingKeyCloudWatchMayUse()
    {
        Synthesis[] full = [fixture.Full, fixture.FullFargate, fixture.FullLambda];
        foreach (var synthesis in fixture.All)
        {
            var topic = synthesis.One("AWS::SNS::Topic");
            if (full.Contains(synthesis))
            {
                var key = Assert.Single(synthesis.OfType("AWS::KMS::Key"), k => Cfn.Render(topic["Properties"]!["KmsMasterKeyId"]).Contains(k.Key, StringComparison.Ordinal));
                Assert.True(key.Value["Properties"]!["EnableKeyRotation"]!.GetValue<bool>());
                var statements = key.Value["Properties"]!["KeyPolicy"]!["Statement"]!.AsArray();
                Assert.Contains(statements, s => s!["Principal"]?["Service"]?.ToString() == "cloudwatch.amazonaws.com"
                    && Cfn.RenderList(s["Action"]).SequenceEqual(["kms:Decrypt", "kms:GenerateDataKey*"]));
            }
            else
            {
                // The minimal profile's idle cost is a few cents; a customer managed key alone would be $1/month.
                Assert.Null(topic["Properties"]!["KmsMasterKeyId"]);
            }

            var policy = synthesis.Properties("AWS::SNS::TopicPolicy")["PolicyDocument"]!["Statement"]!.AsArray();
            Assert.Contains(policy, s => s!["Effect"]!.GetValue<string>() == "Deny"
                && s["Condition"]?["Bool"]?["aws:SecureTransport"]?.ToString() == "false");
        }
    }

    [Fact]
    public void AlarmEmail_IsSubscribedOnlyWhenGiven()
    {
        var subscription = fixture.Minimal.Properties("AWS::SNS::Subscription");
        Assert.Equal(("email", SynthFixture.MinimalAlarmEmail), (subscription["Protocol"]!.GetValue<string>(), subscription["Endpoint"]!.GetValue<string>()));
        Assert.Empty(fixture.Full.OfType("AWS::SNS::Subscription"));
    }

    [Fact]
    public void EveryAlarm_NotifiesTheTopicOnAlarmAndRecovery_AndIgnoresMissingData()
    {
        foreach (var synthesis in fixture.All)
        {
            var topic = Assert.Single(synthesis.OfType("AWS::SNS::Topic")).Key;
            var alarms = synthesis.OfType("AWS::CloudWatch::Alarm").Values.Select(a => a["Properties"]!.AsObject()).ToList();

            Assert.Equal(
                ["DailyTokenBudget", "FunctionErrors", "FunctionThrottles", "ModelThrottling", "ServerErrorRate", "TableThrottles"],
                alarms.Select(a => Cfn.Render(a["AlarmName"]).Split('-')[^1]).Order());
            Assert.All(alarms, alarm =>
            {
                Assert.Equal(["${" + topic + "}"], Cfn.RenderList(alarm["AlarmActions"]));
                Assert.Equal(["${" + topic + "}"], Cfn.RenderList(alarm["OKActions"]));
                Assert.Equal("notBreaching", alarm["TreatMissingData"]!.GetValue<string>());
            });
        }
    }

    [Fact]
    public void ServerErrorRate_AlarmsAboveFivePercentOfRequests()
    {
        var alarm = Alarm(fixture.Full, "ServerErrorRate");

        Assert.Equal(("AWS/ApiGateway", "5XXError", "Average"), Watched(alarm));
        Assert.Equal(0.05, alarm["Threshold"]!.GetValue<double>());
        Assert.Equal((3, 2), (alarm["EvaluationPeriods"]!.GetValue<int>(), alarm["DatapointsToAlarm"]!.GetValue<int>()));
    }

    [Fact]
    public void FunctionAlarms_WatchTheApiFunctionsErrorsAndThrottles()
    {
        var function = Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.ApiFunction.Function);
        foreach (var (name, metric, threshold) in new[] { ("FunctionErrors", "Errors", 3), ("FunctionThrottles", "Throttles", 5) })
        {
            var alarm = Alarm(fixture.Full, name);
            Assert.Equal(("AWS/Lambda", metric, "Sum"), Watched(alarm));
            Assert.Equal("${" + function + "}", Cfn.Render(Dimensions(alarm)![0]!["Value"]));
            Assert.Equal(threshold, alarm["Threshold"]!.GetValue<double>());
        }
    }

    [Fact]
    public void ModelThrottling_ReadsTheAppsThrottledModelErrors_OnEveryBackend()
    {
        foreach (var synthesis in fixture.All)
        {
            var alarm = Alarm(synthesis, "ModelThrottling");

            Assert.Equal((TelemetryNames.Source, TelemetryNames.ModelErrors, "Sum"), Watched(alarm));
            Assert.Equal([TelemetryNames.KindTag + "=Throttled"], Dimensions(alarm)!.AsArray().Select(d => $"{d!["Name"]}={d["Value"]}"));
        }
    }

    [Fact]
    public void TableThrottles_SumsReadAndWriteThrottlesOfTheConversationTable()
    {
        var table = Cfn.LogicalId(fixture.Full.Stack, fixture.Full.Stack.Conversations.Table);
        var metrics = Alarm(fixture.Full, "TableThrottles")["Metrics"]!.AsArray();

        Assert.Contains(metrics, m => m!["Expression"]?.GetValue<string>() == "reads + writes");
        Assert.Equal(
            ["ReadThrottleEvents", "WriteThrottleEvents"],
            metrics.Where(m => m!["MetricStat"] is not null).Select(m => m!["MetricStat"]!["Metric"]!["MetricName"]!.GetValue<string>()).Order());
        Assert.All(metrics.Where(m => m!["MetricStat"] is not null),
            m => Assert.Equal("${" + table + "}", Cfn.Render(m!["MetricStat"]!["Metric"]!["Dimensions"]![0]!["Value"])));
    }

    [Fact]
    public void DailyTokenBudget_SumsInputAndOutputTokensOverADay_AgainstTheContextBudget()
    {
        foreach (var (synthesis, budget) in new[] { (fixture.Full, 5_000_000), (fixture.Minimal, SynthFixture.MinimalDailyTokenBudget) })
        {
            var alarm = Alarm(synthesis, "DailyTokenBudget");
            var metrics = alarm["Metrics"]!.AsArray();

            Assert.Equal(budget, alarm["Threshold"]!.GetValue<double>());
            Assert.Contains(metrics, m => m!["Expression"]?.GetValue<string>() == "input + output");
            Assert.All(metrics.Where(m => m!["MetricStat"] is not null), m => Assert.Equal(86_400, m!["MetricStat"]!["Period"]!.GetValue<int>()));
            Assert.Equal(
                [TelemetryNames.InputTokens, TelemetryNames.OutputTokens],
                metrics.Where(m => m!["MetricStat"] is not null).Select(m => m!["MetricStat"]!["Metric"]!["MetricName"]!.GetValue<string>()).Order());
        }
    }

    [Fact]
    public void Dashboard_ShowsEveryOperatorGraph()
    {
        foreach (var synthesis in fixture.All)
        {
            var body = Cfn.Render(synthesis.Properties("AWS::CloudWatch::Dashboard")["DashboardBody"]);
            var widgets = JsonNode.Parse(body)!["widgets"]!.AsArray();
            var titles = widgets.Select(w => w!["properties"]!["title"]!.GetValue<string>()).ToList();

            Assert.Equal(
            [
                "Requests and errors", "Turn time (s)", "Tokens per hour", "Model throttles and errors", "Lambda concurrency and throttles",
                "DynamoDB throttles", "Context cache hit ratio (%)", "Limit rejections", "Turns",
            ], titles);
            foreach (var name in new[]
            {
                "5XXError", "4XXError", "\"Count\"", TelemetryNames.TimeToFirstToken, TelemetryNames.TurnDuration, "\"p99\"", "\"p50\"",
                TelemetryNames.InputTokens, TelemetryNames.CacheHits, TelemetryNames.LimitRejections, "ConcurrentExecutions", "WriteThrottleEvents",
            })
            {
                Assert.Contains(name, body, StringComparison.Ordinal);
            }
        }

        Assert.Contains("InvocationThrottles", Cfn.Render(fixture.Full.Properties("AWS::CloudWatch::Dashboard")["DashboardBody"]), StringComparison.Ordinal);
        Assert.DoesNotContain("InvocationThrottles", Cfn.Render(fixture.FullFargate.Properties("AWS::CloudWatch::Dashboard")["DashboardBody"]), StringComparison.Ordinal);
    }

    private static JsonObject Alarm(Synthesis synthesis, string name) => Assert.Single(
        synthesis.OfType("AWS::CloudWatch::Alarm").Values,
        a => Cfn.Render(a["Properties"]!["AlarmName"]).EndsWith("-" + name, StringComparison.Ordinal))["Properties"]!.AsObject();

    /// <summary>The one metric an alarm watches, however CDK rendered it (a labelled metric becomes a one-entry Metrics list).</summary>
    private static (string Namespace, string Name, string Statistic) Watched(JsonObject alarm)
    {
        if (alarm["MetricName"] is { } name)
        {
            return (alarm["Namespace"]!.GetValue<string>(), name.GetValue<string>(), alarm["Statistic"]?.GetValue<string>() ?? alarm["ExtendedStatistic"]!.GetValue<string>());
        }

        var stat = Assert.Single(alarm["Metrics"]!.AsArray())!["MetricStat"]!;
        return (stat["Metric"]!["Namespace"]!.GetValue<string>(), stat["Metric"]!["MetricName"]!.GetValue<string>(), stat["Stat"]!.GetValue<string>());
    }

    private static JsonNode? Dimensions(JsonObject alarm) =>
        alarm["Dimensions"] ?? Assert.Single(alarm["Metrics"]!.AsArray())!["MetricStat"]!["Metric"]!["Dimensions"];
}
