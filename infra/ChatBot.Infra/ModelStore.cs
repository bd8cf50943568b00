using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace ChatBot.Infra;

public sealed class ModelStoreProps
{
    public required SelfHostedModel Model { get; init; }

    /// <summary>A model the user already uploaded, or null to have the stack copy <see cref="Model"/> into its own bucket.</summary>
    public S3ObjectLocation? ExistingObject { get; init; }

    public required RemovalPolicy RemovalPolicy { get; init; }
    public required RetentionDays LogRetention { get; init; }
}

/// <summary>
/// llm=lambda: the one S3 object the API function loads its GGUF model from.
/// <para>
/// Either the user names an object they uploaded (<c>-c modelS3Uri=s3://bucket/key</c>), or the stack creates a private
/// bucket and, at deploy time, a small function streams the model URL into it. Synth can't fetch the model (the machine
/// may have no internet, and a multi-GB asset would go through cdk.out); the deploy-time copy needs no Docker and no
/// local download, and reruns only when the URL changes.
/// </para>
/// </summary>
public sealed class ModelStore : Construct
{
    /// <summary>The copy runs inside one invocation: 15 minutes, the Lambda maximum, covers several GB from Hugging Face.</summary>
    public static readonly Duration CopyTimeout = Duration.Minutes(15);

    /// <summary>Memory buys network throughput and the multipart buffers (4 parts of 64 MB in flight).</summary>
    public const int CopyMemoryMb = 1024;

    public ModelStore(Construct scope, string id, ModelStoreProps props) : base(scope, id)
    {
        var stack = Stack.Of(this);
        if (props.ExistingObject is { } existing)
        {
            Location = existing;
            ObjectArn = $"arn:{stack.Partition}:s3:::{existing.Bucket}/{existing.Key}";
            return;
        }

        Bucket = PrivateBucket.Create(
            this,
            props.RemovalPolicy,
            "The bucket holds one public, open-licence model file, written by the stack's copy function and read by the API " +
            "function's role only; server access logs would record nothing but those reads.");

        var key = "models/" + props.Model.FileName;
        Location = new S3ObjectLocation(Bucket.BucketName, key);
        ObjectArn = Bucket.ArnForObjects(key);

        var logs = new LogGroup(this, "CopyLogs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.RemovalPolicy });
        var copy = new Function(this, "Copy", new FunctionProps
        {
            Description = "ChatBot: copies the GGUF model from its URL into the model bucket at deploy time",
            // Escape hatch: CDK 2.160 has no Runtime.PYTHON_3_14. Python's boto3 and cfnresponse (inline code) need no bundling.
            Runtime = new Runtime("python3.14", RuntimeFamily.PYTHON, new LambdaRuntimeProps { SupportsInlineCode = true }),
            Architecture = Architecture.ARM_64,
            Handler = "index.handler",
            Code = Code.FromInline(CopyHandler),
            MemorySize = CopyMemoryMb,
            Timeout = CopyTimeout,
            LogGroup = logs,
        });

        Nag.Suppress(copy,
            new NagRule("AwsSolutions-L1",
                "python3.14 is a current, supported runtime for 25 lines of standard library and boto3 that run only at deploy. " +
                "cdk-nag compares with the newest Python its aws-cdk-lib lists, which not every region offers yet."),
            new NagRule("Serverless-LambdaLatestVersion",
                "python3.14 is a current, supported runtime; cdk-nag's newest Python is not offered in every region yet."),
            new NagRule("Serverless-LambdaDLQ",
                "A CloudFormation custom resource handler: a failed copy fails the deployment, which CloudFormation reports and rolls back."),
            new NagRule("Serverless-LambdaTracing", "It runs once per deployment, outside any request path worth tracing."));

        // Write this one object, nothing else (multipart upload needs the abort action for cleanup).
        copy.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "WriteTheModelObject",
            Actions = ["s3:PutObject", "s3:AbortMultipartUpload"],
            Resources = [ObjectArn],
        }));
        Nag.Suppress(copy.Role!, new NagRule("AwsSolutions-IAM4",
            "AWSLambdaBasicExecutionRole only lets the copy function write its own logs; it is the AWS-maintained minimum.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));

        Copy = new CustomResource(this, "Model", new CustomResourceProps
        {
            ResourceType = "Custom::ModelCopy",
            ServiceToken = copy.FunctionArn,
            Properties = new Dictionary<string, object>
            {
                ["Url"] = props.Model.Url,
                ["Bucket"] = Bucket.BucketName,
                ["Key"] = key,
            },
        });
    }

    /// <summary>Where the model is; the API function gets it as <c>Llm:LlamaSharp:ModelS3Uri</c>.</summary>
    public S3ObjectLocation Location { get; }

    /// <summary>The ARN of that one object: the only thing the API function may read from S3.</summary>
    public string ObjectArn { get; }

    /// <summary>The stack's own model bucket, or null when the user gave <c>modelS3Uri</c>.</summary>
    public Bucket? Bucket { get; }

    /// <summary>The deploy-time copy, or null when the user gave <c>modelS3Uri</c>. The API function waits for it.</summary>
    public CustomResource? Copy { get; }

    /// <summary>
    /// Streams the URL into S3 as a multipart upload, without holding the file in memory or /tmp, then answers
    /// CloudFormation. Delete does nothing: the object goes with the bucket (retained unless destroy=true).
    /// </summary>
    private const string CopyHandler = """
        import urllib.request
        import boto3
        import cfnresponse
        from boto3.s3.transfer import TransferConfig

        def handler(event, context):
            props = event["ResourceProperties"]
            physical_id = "s3://{}/{}".format(props["Bucket"], props["Key"])
            try:
                if event["RequestType"] in ("Create", "Update"):
                    request = urllib.request.Request(props["Url"], headers={"User-Agent": "chatbot-model-copy"})
                    with urllib.request.urlopen(request, timeout=60) as response:
                        boto3.client("s3").upload_fileobj(
                            response, props["Bucket"], props["Key"],
                            Config=TransferConfig(multipart_chunksize=64 * 1024 * 1024, max_concurrency=4))
                cfnresponse.send(event, context, cfnresponse.SUCCESS, {}, physical_id)
            except Exception as error:
                print("model copy failed: {}".format(error))
                cfnresponse.send(event, context, cfnresponse.FAILED, {}, physical_id, reason=str(error)[:200])
        """;
}
