using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using ChatBot.Api.Telemetry;
using Constructs;

namespace ChatBot.Infra;

public sealed class MonitoringProps
{
    public required RestApi Api { get; init; }
    public required Function Function { get; init; }
    public required ITable Table { get; init; }

    /// <summary>llm=bedrock: the model id whose Bedrock throttles the dashboard also shows.</summary>
    public string? BedrockModelId { get; init; }

    /// <summary>Input plus output tokens in 24 hours above which the budget alarm fires.</summary>
    public required long DailyTokenBudget { get; init; }

    /// <summary>An address subscribed to the alarm topic, or null for none.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>
    /// Encrypt the alarm topic with a customer managed key ($1/month, paid idle or not): the full profile does; the
    /// minimal profile, whose whole idle cost is a few cents, does not.
    /// </summary>
    public required bool EncryptTopic { get; init; }
}

/// <summary>
/// What an operator watches: one dashboard, six alarms and the topic they notify. The app's own metrics (turns, time to
/// first token, tokens, cache, limits) arrive as embedded metric format lines in the function's log, under the names in
/// <see cref="TelemetryNames"/>, which the app and this construct compile from one file. Each alarm is explained in
/// docs/operations.md, under its name.
/// </summary>
public sealed class Monitoring : Construct
{
    private static readonly Duration FiveMinutes = Duration.Minutes(5);

    public Monitoring(Construct scope, string id, MonitoringProps props) : base(scope, id)
    {
        var stack = Stack.Of(this);

        // CloudWatch alarms may publish to an encrypted topic only through a customer managed key that lets them use it.
        TopicKey = props.EncryptTopic ? AlarmTopicKey(stack) : null;
        Topic = new Topic(this, "AlarmTopic", new TopicProps
        {
            DisplayName = stack.StackName + " alarms",
            MasterKey = TopicKey,
            EnforceSSL = true,
        });
        if (TopicKey is null)
        {
            Nag.Suppress(Topic, new NagRule("AwsSolutions-SNS2",
                "The minimal profile's alarm topic carries only alarm names, states and metric values, never user data, and is " +
                "HTTPS-only; the customer managed key CloudWatch needs to publish to an encrypted topic would cost $1/month, " +
                "more than the rest of the idle profile. The full profile encrypts it."));
        }

        // Stated, not implied: only this account's alarms publish. (With EnforceSSL, CDK adds the HTTPS-only deny beside it.)
        Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
            },
        }));
        if (props.AlarmEmail is { } email)
        {
            var subscription = new Subscription(this, "AlarmEmail", new SubscriptionProps
            {
                Topic = Topic,
                Protocol = SubscriptionProtocol.EMAIL,
                Endpoint = email,
            });
            Nag.Suppress(subscription, new NagRule("Serverless-SNSRedrivePolicy",
                "An e-mail subscription's failed deliveries are bounces; every alarm stays visible in the CloudWatch console and " +
                "history, so a dead-letter queue would keep nothing that is otherwise lost."));
        }

        var api = props.Api;
        var function = props.Function;
        var modelThrottles = AppMetric(TelemetryNames.ModelErrors, "Sum", "Model throttled", (TelemetryNames.KindTag, "Throttled"));
        var tableThrottles = new MathExpression(new MathExpressionProps
        {
            Expression = "reads + writes",
            Label = "DynamoDB throttled requests",
            Period = FiveMinutes,
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["reads"] = TableMetric(props.Table, "ReadThrottleEvents"),
                ["writes"] = TableMetric(props.Table, "WriteThrottleEvents"),
            },
        });
        var dailyTokens = new MathExpression(new MathExpressionProps
        {
            Expression = "input + output",
            Label = "Model tokens in 24 hours",
            Period = Duration.Days(1),
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["input"] = AppMetric(TelemetryNames.InputTokens, "Sum", "Input tokens"),
                ["output"] = AppMetric(TelemetryNames.OutputTokens, "Sum", "Output tokens"),
            },
        });

        // Each alarm: sustained enough to be real, missing data (no traffic) is fine.
        ServerErrorRate = AddAlarm("ServerErrorRate", "More than 5% of API requests answered 5xx in 2 of the last 3 five-minute periods.",
            api.MetricServerError(new MetricOptions { Statistic = "Average", Period = FiveMinutes }), 0.05, 3, 2);
        FunctionErrors = AddAlarm("FunctionErrors", "The API function failed 3 or more invocations (crash, timeout) in five minutes.",
            function.MetricErrors(new MetricOptions { Statistic = "Sum", Period = FiveMinutes }), 3, 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        FunctionThrottles = AddAlarm("FunctionThrottles", "Lambda refused 5 or more invocations in five minutes: reserved concurrency is full.",
            function.MetricThrottles(new MetricOptions { Statistic = "Sum", Period = FiveMinutes }), 5, 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        ModelThrottling = AddAlarm("ModelThrottling", "The model service throttled 5 or more turns in five minutes.",
            modelThrottles, 5, 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        TableThrottles = AddAlarm("TableThrottles", "DynamoDB throttled a request to the conversation table.",
            tableThrottles, 1, 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD);
        TokenBudget = AddAlarm("DailyTokenBudget", $"More than {props.DailyTokenBudget:N0} model tokens (input + output) in the last 24 hours.",
            dailyTokens, props.DailyTokenBudget, 1, 1);

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = stack.StackName + "-operations",
            DefaultInterval = Duration.Hours(24),
        });
        Dashboard.AddWidgets(
            Graph("Requests and errors",
                [api.MetricCount(Sum("Requests")), api.MetricClientError(Sum("4xx")), api.MetricServerError(Sum("5xx"))]),
            Graph("Turn time (s)",
            [
                AppMetric(TelemetryNames.TurnDuration, "p50", "Turn p50"), AppMetric(TelemetryNames.TurnDuration, "p99", "Turn p99"),
                AppMetric(TelemetryNames.TimeToFirstToken, "p50", "First token p50"), AppMetric(TelemetryNames.TimeToFirstToken, "p99", "First token p99"),
            ]),
            Graph("Tokens per hour",
            [
                AppMetric(TelemetryNames.InputTokens, "Sum", "Input", period: Duration.Hours(1)),
                AppMetric(TelemetryNames.OutputTokens, "Sum", "Output", period: Duration.Hours(1)),
            ]));
        Dashboard.AddWidgets(
            Graph("Model throttles and errors",
            [
                modelThrottles,
                AppMetric(TelemetryNames.ModelErrors, "Sum", "All model errors"),
                .. props.BedrockModelId is { } modelId
                    ? new IMetric[]
                    {
                        new Metric(new MetricProps
                        {
                            Namespace = "AWS/Bedrock", MetricName = "InvocationThrottles", Statistic = "Sum", Period = FiveMinutes,
                            DimensionsMap = new Dictionary<string, string> { ["ModelId"] = modelId }, Label = "Bedrock throttles",
                        }),
                    }
                    : [],
            ]),
            Graph("Lambda concurrency and throttles",
            [
                function.Metric("ConcurrentExecutions", new MetricOptions { Statistic = "Maximum", Period = FiveMinutes, Label = "Concurrent executions" }),
                function.MetricThrottles(Sum("Throttles")),
            ]),
            Graph("DynamoDB throttles", [tableThrottles]));
        Dashboard.AddWidgets(
            Graph("Context cache hit ratio (%)",
            [
                new MathExpression(new MathExpressionProps
                {
                    Expression = "100 * hits / (hits + misses)",
                    Label = "Hit ratio",
                    Period = FiveMinutes,
                    UsingMetrics = new Dictionary<string, IMetric>
                    {
                        ["hits"] = AppMetric(TelemetryNames.CacheHits, "Sum", "Hits"),
                        ["misses"] = AppMetric(TelemetryNames.CacheMisses, "Sum", "Misses"),
                    },
                }),
            ]),
            Graph("Limit rejections", [AppMetric(TelemetryNames.LimitRejections, "Sum", "Rejected requests")]),
            Graph("Turns", [AppMetric(TelemetryNames.Turns, "Sum", "Turns")]));
    }

    /// <summary>The alarm topic's key, or null where the topic is not encrypted (the minimal profile).</summary>
    public Key? TopicKey { get; }
    public Topic Topic { get; }
    public Dashboard Dashboard { get; }
    public Alarm ServerErrorRate { get; }
    public Alarm FunctionErrors { get; }
    public Alarm FunctionThrottles { get; }
    public Alarm ModelThrottling { get; }
    public Alarm TableThrottles { get; }
    public Alarm TokenBudget { get; }

    private Alarm AddAlarm(
        string id, string description, IMetric metric, double threshold, int evaluationPeriods, int datapointsToAlarm,
        ComparisonOperator comparison = ComparisonOperator.GREATER_THAN_THRESHOLD)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            AlarmName = Stack.Of(this).StackName + "-" + id,
            AlarmDescription = description + " See docs/operations.md, " + id + ".",
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = evaluationPeriods,
            DatapointsToAlarm = datapointsToAlarm,
            ComparisonOperator = comparison,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        alarm.AddAlarmAction(new SnsAction(Topic));
        alarm.AddOkAction(new SnsAction(Topic));
        return alarm;
    }

    /// <summary>One of the app's embedded metrics: the total unless a dimension is named.</summary>
    private Key AlarmTopicKey(Stack stack)
    {
        var key = new Key(this, "AlarmTopicKey", new KeyProps
        {
            Description = "Encrypts the ChatBot alarm topic",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
            },
        }));
        return key;
    }

    private static Metric AppMetric(string name, string statistic, string label, (string Key, string Value)? dimension = null, Duration? period = null) =>
        new(new MetricProps
        {
            Namespace = TelemetryNames.Source,
            MetricName = name,
            Statistic = statistic,
            Label = label,
            Period = period ?? FiveMinutes,
            DimensionsMap = dimension is { } d ? new Dictionary<string, string> { [d.Key] = d.Value } : null,
        });

    private static Metric TableMetric(ITable table, string name) => new(new MetricProps
    {
        Namespace = "AWS/DynamoDB",
        MetricName = name,
        Statistic = "Sum",
        Period = FiveMinutes,
        DimensionsMap = new Dictionary<string, string> { ["TableName"] = table.TableName },
    });

    private static MetricOptions Sum(string label) => new() { Statistic = "Sum", Period = FiveMinutes, Label = label };

    private static GraphWidget Graph(string title, IMetric[] metrics) => new(new GraphWidgetProps
    {
        Title = title,
        Left = metrics,
        Width = 8,
        Height = 6,
    });
}
