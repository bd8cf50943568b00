using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.CDK.AWS.Logs;

namespace ChatBot.Infra;

/// <summary>Which shape of the system to deploy.</summary>
public enum DeploymentProfile
{
    /// <summary>Lambda in a VPC without NAT, DynamoDB gateway endpoint, Bedrock interface endpoint, ElastiCache Serverless.</summary>
    Full,

    /// <summary>No VPC and no cache: costs almost nothing when idle.</summary>
    Minimal,
}

/// <summary>Which model backend the API uses.</summary>
public enum LlmBackend
{
    /// <summary>Amazon Bedrock, billed per token.</summary>
    Bedrock,

    /// <summary>llama.cpp's llama-server on ECS Fargate, reached through Cloud Map (see LlamaServer).</summary>
    Fargate,

    /// <summary>A GGUF model run inside the API function by LLamaSharp, read from S3 (see ModelStore).</summary>
    Lambda,
}

/// <summary>Processor architecture of the llama.cpp tasks.</summary>
public enum TaskArchitecture
{
    Arm64,
    X86_64,
}

/// <summary>
/// Every deployment parameter, typed and validated in one place (like bedrock-chat's parameter-models.ts).
/// Values come from CDK context (<c>cdk.json</c> or <c>-c key=value</c>); a bad value stops synth with a message
/// that names the key and says how to fix it.
/// </summary>
public sealed record DeploymentSettings
{
    public const string DefaultModelId = "openai.gpt-oss-20b-1:0";
    public const string DefaultRegion = "us-west-2";

    /// <summary>For -c apiPackage: how to publish a package yourself, with the settings synth uses when it builds one.</summary>
    public static readonly string ApiPublishCommand = $"dotnet publish src/ChatBot.Api {string.Join(' ', SourceBuild.LambdaPublishSettings)} -o <folder>";

    /// <summary>The apphost that <c>dotnet publish</c> writes; the Lambda handler names it (see ApiFunction).</summary>
    public const string ApiExecutableName = "ChatBot.Api";

    /// <summary>About $1 a day of gpt-oss-20b on Bedrock (mostly input tokens): a small team's ceiling, not a quota.</summary>
    public const long DefaultDailyTokenBudget = 5_000_000;

    public const int DefaultFargateMinTasks = 1;
    public const int DefaultFargateMaxTasks = 3;

    /// <summary>Lambda gives one vCPU per 1,769 MB: 7,076 MB is exactly four (see docs/decisions/0003).</summary>
    public const int DefaultLambdaMemoryMb = 7076;
    public const int DefaultLambdaStorageMb = 4096;

    /// <summary>Context keys that belong to one backend only; setting one for another backend is a mistake.</summary>
    private static readonly IReadOnlyDictionary<string, LlmBackend[]> BackendKeys = new Dictionary<string, LlmBackend[]>
    {
        ["inferenceRegions"] = [LlmBackend.Bedrock],
        ["models"] = [LlmBackend.Bedrock],
        ["model"] = [LlmBackend.Fargate, LlmBackend.Lambda],
        ["modelS3Uri"] = [LlmBackend.Lambda],
        ["fargateMinTasks"] = [LlmBackend.Fargate],
        ["fargateMaxTasks"] = [LlmBackend.Fargate],
        ["fargateArchitecture"] = [LlmBackend.Fargate],
        ["lambdaMemoryMb"] = [LlmBackend.Lambda],
        ["lambdaStorageMb"] = [LlmBackend.Lambda],
    };

    /// <summary>The context keys this app reads, with what each means. Shown in error messages.</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>
    {
        ["stackName"] = "CloudFormation stack name (default ChatBot)",
        ["profile"] = "full (default) | minimal",
        ["llm"] = "bedrock (default) | fargate (llama.cpp on ECS Fargate) | lambda (GGUF model inside the API function)",
        ["modelId"] = $"Bedrock model or inference profile id (default {DefaultModelId})",
        ["models"] = "llm=bedrock: the models users may choose, comma-separated model or inference profile ids; the first is the default (default: modelId alone)",
        ["inferenceRegions"] = "regions a cross-Region inference profile routes to (default: by its geography prefix); llm=bedrock only",
        ["model"] = $"llm=fargate|lambda: a GGUF https URL, or a Hugging Face <owner>/<repo>/<file>.gguf (default {SelfHostedModel.Default})",
        ["modelS3Uri"] = "llm=lambda: s3://<bucket>/<key> of a GGUF you uploaded; the stack then downloads nothing",
        ["fargateMinTasks"] = $"llm=fargate: fewest llama.cpp tasks, at least 1 (default {DefaultFargateMinTasks})",
        ["fargateMaxTasks"] = $"llm=fargate: most llama.cpp tasks under load (default {DefaultFargateMaxTasks})",
        ["fargateArchitecture"] = "llm=fargate: arm64 (default) | x86_64, the llama.cpp task's processor",
        ["lambdaMemoryMb"] = $"llm=lambda: API function memory in MB, which sets its vCPUs (default {DefaultLambdaMemoryMb} = 4 vCPUs)",
        ["lambdaStorageMb"] = $"llm=lambda: API function /tmp size in MB, room for the model (default {DefaultLambdaStorageMb})",
        ["region"] = $"deployment region (default {DefaultRegion})",
        ["availabilityZones"] = "two AZs of that region (default: <region>a,<region>b)",
        ["destroy"] = "true deletes data on cdk destroy (default false: retain)",
        ["apiPackage"] = "folder with an API you published yourself (default: synth builds it from src/, once per change)",
        ["webDist"] = "folder with a web app you built yourself (default: synth builds it from frontend/, once per change)",
        ["reservedConcurrency"] = "reserved concurrency of the API function, or none (default 10)",
        ["snapStart"] = "true | false: Lambda SnapStart on the API's published versions (default: true in full, false in minimal; never with llm=lambda)",
        ["apiRateLimit"] = "API Gateway steady-state requests per second (default 10)",
        ["apiBurstLimit"] = "API Gateway burst requests (default 20)",
        ["logRetentionDays"] = "CloudWatch Logs retention in days (default 30)",
        ["cacheMaxDataGb"] = "ElastiCache Serverless data storage cap in GB (default 1)",
        ["cacheMaxEcpuPerSecond"] = "ElastiCache Serverless ECPU per second cap (default 5000)",
        ["mfa"] = "optional (default: each user may turn on TOTP) | required (every user sets up TOTP at first sign-in)",
        ["threatProtection"] = "true (default: Cognito Plus plan, $0.02 per monthly active user) | false (Essentials plan, no threat protection)",
        ["dailyTokenBudget"] = $"model tokens (input + output) in 24 hours above which an alarm fires (default {DefaultDailyTokenBudget:N0})",
        ["alarmEmail"] = "an e-mail address subscribed to the alarm topic (default: none)",
        ["waf"] = "true puts an AWS WAF web ACL (managed common rules + per-IP rate limit, about $7/month) in front of CloudFront (default false)",
    };

    /// <summary>CloudWatch Logs accepts only these retentions (CDK's enum members are not day counts).</summary>
    private static readonly IReadOnlyDictionary<int, RetentionDays> Retentions = new Dictionary<int, RetentionDays>
    {
        [1] = RetentionDays.ONE_DAY, [3] = RetentionDays.THREE_DAYS, [5] = RetentionDays.FIVE_DAYS, [7] = RetentionDays.ONE_WEEK,
        [14] = RetentionDays.TWO_WEEKS, [30] = RetentionDays.ONE_MONTH, [60] = RetentionDays.TWO_MONTHS,
        [90] = RetentionDays.THREE_MONTHS, [120] = RetentionDays.FOUR_MONTHS, [150] = RetentionDays.FIVE_MONTHS,
        [180] = RetentionDays.SIX_MONTHS, [365] = RetentionDays.ONE_YEAR, [400] = RetentionDays.THIRTEEN_MONTHS,
        [545] = RetentionDays.EIGHTEEN_MONTHS, [731] = RetentionDays.TWO_YEARS, [1096] = RetentionDays.THREE_YEARS,
        [1827] = RetentionDays.FIVE_YEARS, [2192] = RetentionDays.SIX_YEARS, [2557] = RetentionDays.SEVEN_YEARS,
        [2922] = RetentionDays.EIGHT_YEARS, [3288] = RetentionDays.NINE_YEARS, [3653] = RetentionDays.TEN_YEARS,
    };

    public required string StackName { get; init; }
    public required DeploymentProfile Profile { get; init; }
    public required LlmBackend Llm { get; init; }

    /// <summary>The default Bedrock model (llm=bedrock): the first of <see cref="Models"/>; else null.</summary>
    public required BedrockModelAccess? Model { get; init; }

    /// <summary>llm=bedrock: every model users may choose, the default first (context <c>models</c>, else <c>modelId</c>); else empty.</summary>
    public IReadOnlyList<BedrockModelAccess> Models { get; init; } = [];

    /// <summary>The GGUF model (llm=fargate or lambda), else null.</summary>
    public required SelfHostedModel? SelfHostedModel { get; init; }

    /// <summary>llm=lambda: a model the user already put in S3, or null to let the stack fetch <see cref="SelfHostedModel"/>.</summary>
    public required S3ObjectLocation? ModelS3Object { get; init; }

    public required int FargateMinTasks { get; init; }
    public required int FargateMaxTasks { get; init; }
    public required TaskArchitecture FargateArchitecture { get; init; }
    public required int LambdaMemoryMb { get; init; }
    public required int LambdaStorageMb { get; init; }
    public required string Region { get; init; }
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
    public required bool Destroy { get; init; }
    /// <summary>The repository root: relative paths resolve against it, and synth builds the API and web app from it.</summary>
    public required string SourceRoot { get; init; }

    /// <summary>-c apiPackage: a published API to deploy as it is, or null to build it from source (see <see cref="SourceBuild.Api"/>).</summary>
    public required string? ApiPackagePath { get; init; }

    /// <summary>-c webDist: a built web app to deploy as it is, or null to build it from source (see <see cref="SourceBuild.WebApp"/>).</summary>
    public required string? WebDistPath { get; init; }

    /// <summary>Null means no reservation (for accounts whose concurrency quota is still the new-account 10).</summary>
    public required int? ReservedConcurrency { get; init; }
    /// <summary>
    /// Lambda SnapStart on the API function's published versions, which API Gateway then invokes through an alias.
    /// Its snapshot cache is billed per GB of memory every hour a version is active, so it is on by default only in the
    /// full profile (see docs/architecture.md, "Cold start and SnapStart").
    /// </summary>
    public required bool SnapStart { get; init; }
    public required int ApiRateLimit { get; init; }
    public required int ApiBurstLimit { get; init; }
    public required int LogRetentionDays { get; init; }

    public RetentionDays LogRetention => Retentions[LogRetentionDays];
    public required int CacheMaxDataGb { get; init; }
    public required int CacheMaxEcpuPerSecond { get; init; }

    /// <summary>mfa=required: every user must set up TOTP.</summary>
    public bool MfaRequired { get; init; }

    /// <summary>Cognito threat protection (Plus plan); see UserDirectory.</summary>
    public bool ThreatProtection { get; init; } = true;

    /// <summary>waf=true: a web ACL in front of CloudFront (WebFirewallStack, in us-east-1).</summary>
    public bool Waf { get; init; }

    /// <summary>Input plus output tokens in 24 hours above which the budget alarm fires.</summary>
    public long DailyTokenBudget { get; init; } = DefaultDailyTokenBudget;

    /// <summary>An address subscribed to the alarm topic, or null.</summary>
    public string? AlarmEmail { get; init; }

    public bool IsFull => Profile == DeploymentProfile.Full;

    /// <summary>
    /// The full profile always has a VPC. llm=fargate needs one in either profile: the API reaches llama-server at a
    /// private address, so the function must sit in the same VPC.
    /// </summary>
    public bool HasVpc => IsFull || Llm == LlmBackend.Fargate;

    /// <summary>
    /// Reads and validates every setting. All problems are reported together.
    /// </summary>
    /// <param name="tryGetContext">Returns the raw context value for a key, or null.</param>
    /// <param name="baseDirectory">Relative folder paths resolve against this (the folder holding cdk.json).</param>
    public static DeploymentSettings FromContext(Func<string, object?> tryGetContext, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(tryGetContext);
        var errors = new List<string>();
        var reader = new ContextReader(tryGetContext, errors);

        var stackName = reader.String("stackName", "ChatBot");
        if (!Regex.IsMatch(stackName, "^[A-Za-z][A-Za-z0-9-]{0,29}$"))
        {
            errors.Add($"stackName '{stackName}' is invalid: use 1-30 letters, digits or hyphens, starting with a letter.");
        }
        else if (new[] { "aws", "amazon", "cognito" }.FirstOrDefault(w => stackName.Contains(w, StringComparison.OrdinalIgnoreCase)) is { } forbidden)
        {
            // The stack name starts the Cognito hosted UI domain prefix, which may not contain these words.
            errors.Add($"stackName '{stackName}' contains '{forbidden}', which Cognito forbids in the hosted UI domain it names. Pick another name.");
        }

        var profile = reader.Choice("profile", "full", ["full", "minimal"]) switch
        {
            "minimal" => DeploymentProfile.Minimal,
            _ => DeploymentProfile.Full,
        };

        var llm = reader.Choice("llm", "bedrock", ["bedrock", "fargate", "lambda"]) switch
        {
            "fargate" => LlmBackend.Fargate,
            "lambda" => LlmBackend.Lambda,
            _ => LlmBackend.Bedrock,
        };
        foreach (var (key, backends) in BackendKeys)
        {
            if (tryGetContext(key) is not null && !backends.Contains(llm))
            {
                var valid = backends.Select(b => "llm=" + b.ToString().ToLowerInvariant()).ToList();
                errors.Add(
                    $"{key} applies only to {string.Join(" or ", valid)}, but llm is {llm.ToString().ToLowerInvariant()}. " +
                    $"Remove -c {key}, or deploy with -c {valid[0]}.");
            }
        }

        var region = reader.String("region", DefaultRegion);
        if (!Regex.IsMatch(region, "^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"))
        {
            errors.Add($"region '{region}' is not an AWS region name such as us-west-2.");
        }

        // Zones matter only where there is a VPC: the full profile, or llm=fargate in either profile (see HasVpc).
        var azs = reader.List("availabilityZones") ?? [region + "a", region + "b"];
        if (profile == DeploymentProfile.Full || llm == LlmBackend.Fargate)
        {
            if (azs.Count != 2 || azs.Distinct(StringComparer.Ordinal).Count() != 2)
            {
                errors.Add($"availabilityZones must name exactly two different zones (got '{string.Join(",", azs)}').");
            }
            else if (azs.Any(az => !Regex.IsMatch(az, "^" + Regex.Escape(region) + "[a-z]$")))
            {
                errors.Add(
                    $"availabilityZones '{string.Join(",", azs)}' are not zones of region {region}. " +
                    $"Pass -c availabilityZones={region}a,{region}b (or the two zones you want).");
            }
        }

        // cdk.json always carries modelId, so it is read only when Bedrock is the backend; models, when given, replaces it.
        var models = new List<BedrockModelAccess>();
        if (llm == LlmBackend.Bedrock)
        {
            var ids = reader.List("models") ?? [reader.String("modelId", DefaultModelId)];
            if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
            {
                errors.Add($"models '{string.Join(",", ids)}' names a model twice. Name each model once; the first is the default.");
            }

            foreach (var id in ids)
            {
                try
                {
                    models.Add(BedrockModelAccess.Create(id, region, reader.List("inferenceRegions")));
                }
                catch (ArgumentException ex)
                {
                    errors.Add(ex.Message);
                }
            }
        }

        var model = models.FirstOrDefault();

        SelfHostedModel? selfHosted = null;
        S3ObjectLocation? modelObject = null;
        if (llm != LlmBackend.Bedrock)
        {
            var modelValue = reader.String("model", SelfHostedModel.Default);
            if (SelfHostedModel.TryParse(modelValue, out var parsed))
            {
                selfHosted = parsed;
            }
            else
            {
                errors.Add(
                    $"model '{modelValue}' is not a GGUF model. Give an https URL ending in .gguf, or a Hugging Face " +
                    $"<owner>/<repo>/<file>.gguf such as {SelfHostedModel.Default}.");
            }

            if (tryGetContext("modelS3Uri") is not null)
            {
                var uri = reader.String("modelS3Uri", "");
                if (S3ObjectLocation.TryParse(uri, out var location))
                {
                    modelObject = location;
                }
                else
                {
                    errors.Add($"modelS3Uri '{uri}' is not an S3 object URI. Use s3://<bucket>/<key>.gguf.");
                }
            }
        }

        var minTasks = reader.Int("fargateMinTasks", DefaultFargateMinTasks, 1, 20);
        var maxTasks = reader.Int("fargateMaxTasks", DefaultFargateMaxTasks, 1, 20);
        if (maxTasks < minTasks)
        {
            errors.Add($"fargateMaxTasks ({maxTasks}) must be at least fargateMinTasks ({minTasks}).");
        }

        var architecture = reader.Choice("fargateArchitecture", "arm64", ["arm64", "x86_64"]) == "x86_64"
            ? TaskArchitecture.X86_64
            : TaskArchitecture.Arm64;

        // Lambda's limits: 128-10,240 MB of memory and 512-10,240 MB of /tmp. A GGUF model plus the app needs at least
        // one whole vCPU (1,769 MB) to answer at a usable speed.
        var lambdaMemory = reader.Int("lambdaMemoryMb", DefaultLambdaMemoryMb, 1769, 10_240);
        var lambdaStorage = reader.Int("lambdaStorageMb", DefaultLambdaStorageMb, 512, 10_240);

        var destroy = reader.Bool("destroy", false);

        // Without -c apiPackage / -c webDist, synth builds both from source (SourceBuild); a folder given is checked here.
        var apiPackage = reader.Optional("apiPackage") is { } apiValue ? ResolvePath(apiValue, baseDirectory) : null;
        if (apiPackage is not null && !Directory.Exists(apiPackage))
        {
            errors.Add(
                $"apiPackage folder '{apiPackage}' does not exist. Leave out -c apiPackage to let synth build the API, " +
                $"or publish it from the repository root with: {ApiPublishCommand}");
        }
        else if (apiPackage is not null && !File.Exists(Path.Combine(apiPackage, ApiExecutableName)))
        {
            errors.Add(
                $"apiPackage folder '{apiPackage}' has no '{ApiExecutableName}' executable, which the Lambda handler runs. " +
                $"Publish it for Linux with: {ApiPublishCommand}");
        }

        var webDist = reader.Optional("webDist") is { } webValue ? ResolvePath(webValue, baseDirectory) : null;
        if (webDist is not null && !File.Exists(Path.Combine(webDist, "index.html")))
        {
            errors.Add(
                $"webDist folder '{webDist}' has no index.html. Leave out -c webDist to let synth build the web app, " +
                "or build it with: npm ci --prefix frontend && npm run build --prefix frontend (it writes frontend/dist).");
        }

        int? reserved = null;
        var reservedRaw = reader.String("reservedConcurrency", "10");
        if (!reservedRaw.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            reserved = reader.Int("reservedConcurrency", 10, 1, 1000, "or none");
        }

        // SnapStart costs money while idle, so the minimal profile leaves it off unless asked; it cannot snapshot a
        // function whose /tmp is above 512 MB, which the in-Lambda model needs.
        var snapStart = reader.Bool("snapStart", profile == DeploymentProfile.Full && llm != LlmBackend.Lambda);
        if (snapStart && llm == LlmBackend.Lambda)
        {
            errors.Add("snapStart=true cannot be used with llm=lambda: Lambda SnapStart does not support more than 512 MB of /tmp, which the in-Lambda model needs. Remove -c snapStart.");
        }

        // The account-level API Gateway defaults are 10,000 rps and 5,000 burst; a stage cannot exceed them.
        var rate = reader.Int("apiRateLimit", 10, 1, 5_000);
        var burst = reader.Int("apiBurstLimit", 20, 1, 5_000);
        if (burst < rate)
        {
            errors.Add($"apiBurstLimit ({burst}) must be at least apiRateLimit ({rate}).");
        }

        var retention = reader.Int("logRetentionDays", 30, 1, 3653);
        if (!Retentions.ContainsKey(retention))
        {
            errors.Add($"logRetentionDays {retention} is not a CloudWatch Logs retention. Use one of: {string.Join(", ", Retentions.Keys)}.");
        }

        // ElastiCache Serverless accepts 1-5000 GB and 1,000-15,000,000 ECPU/s as maximums.
        var cacheGb = reader.Int("cacheMaxDataGb", 1, 1, 5000);
        var cacheEcpu = reader.Int("cacheMaxEcpuPerSecond", 5000, 1000, 15_000_000);

        var mfaRequired = reader.Choice("mfa", "optional", ["optional", "required"]) == "required";
        var threatProtection = reader.Bool("threatProtection", true);
        var waf = reader.Bool("waf", false);

        var tokenBudget = reader.Int("dailyTokenBudget", (int)DefaultDailyTokenBudget, 1_000, 2_000_000_000);
        var alarmEmail = reader.String("alarmEmail", "").Trim();
        if (alarmEmail.Length > 0 && !Regex.IsMatch(alarmEmail, @"^[^@\s]+@[^@\s]+\.[^@\s]+$"))
        {
            errors.Add($"alarmEmail '{alarmEmail}' is not an e-mail address such as ops@example.com.");
        }

        if (errors.Count > 0)
        {
            throw new DeploymentSettingsException(errors);
        }

        return new DeploymentSettings
        {
            StackName = stackName,
            Profile = profile,
            Llm = llm,
            Model = model,
            Models = models,
            SelfHostedModel = selfHosted,
            ModelS3Object = modelObject,
            FargateMinTasks = minTasks,
            FargateMaxTasks = maxTasks,
            FargateArchitecture = architecture,
            LambdaMemoryMb = lambdaMemory,
            LambdaStorageMb = lambdaStorage,
            Region = region,
            AvailabilityZones = azs,
            Destroy = destroy,
            SourceRoot = baseDirectory,
            ApiPackagePath = apiPackage,
            WebDistPath = webDist,
            ReservedConcurrency = reserved,
            SnapStart = snapStart,
            ApiRateLimit = rate,
            ApiBurstLimit = burst,
            LogRetentionDays = retention,
            CacheMaxDataGb = cacheGb,
            CacheMaxEcpuPerSecond = cacheEcpu,
            MfaRequired = mfaRequired,
            ThreatProtection = threatProtection,
            Waf = waf,
            DailyTokenBudget = tokenBudget,
            AlarmEmail = alarmEmail.Length > 0 ? alarmEmail : null,
        };
    }

    private static string ResolvePath(string path, string baseDirectory) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path));

    /// <summary>Turns raw context values (strings from -c, JSON values from cdk.json) into typed values.</summary>
    private sealed class ContextReader(Func<string, object?> tryGet, List<string> errors)
    {
        public string String(string key, string fallback)
        {
            var value = tryGet(key);
            return value switch
            {
                null => fallback,
                string s when string.IsNullOrWhiteSpace(s) => fallback,
                string s => s.Trim(),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? fallback,
            };
        }

        /// <summary>The value, or null when the key is unset or blank.</summary>
        public string? Optional(string key) => tryGet(key) is null ? null : String(key, "") is { Length: > 0 } value ? value : null;

        public List<string>? List(string key)
        {
            var value = tryGet(key);
            IEnumerable<string> items = value switch
            {
                null => [],
                string s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                System.Collections.IEnumerable e => e.Cast<object?>().Select(o => Convert.ToString(o, CultureInfo.InvariantCulture)?.Trim() ?? "")
                    .Where(s => s.Length > 0),
                _ => [value.ToString() ?? ""],
            };
            var list = items.ToList();
            return list.Count == 0 ? null : list;
        }

        public string Choice(string key, string fallback, string[] allowed)
        {
            var value = String(key, fallback).ToLowerInvariant();
            if (!allowed.Contains(value))
            {
                errors.Add($"{key} '{value}' is not valid. Use one of: {string.Join(", ", allowed)} (for example -c {key}={allowed[0]}).");
                return fallback;
            }

            return value;
        }

        public bool Bool(string key, bool fallback)
        {
            var value = String(key, fallback ? "true" : "false").ToLowerInvariant();
            switch (value)
            {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    errors.Add($"{key} '{value}' is not valid. Use true or false.");
                    return fallback;
            }
        }

        public int Int(string key, int fallback, int min, int max, string? alternative = null)
        {
            var raw = String(key, fallback.ToString(CultureInfo.InvariantCulture));
            if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                var also = alternative is null ? "" : $" {alternative}";
                errors.Add($"{key} '{raw}' is not valid. Use a whole number from {min} to {max}{also}.");
                return fallback;
            }

            return value;
        }
    }
}

/// <summary>Thrown when context values are missing or invalid; the message lists every problem.</summary>
public sealed class DeploymentSettingsException(IReadOnlyList<string> problems)
    : Exception("Invalid ChatBot deployment settings:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
