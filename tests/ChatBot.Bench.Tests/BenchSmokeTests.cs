using ChatBot.Bench;

namespace ChatBot.Bench.Tests;

/// <summary>
/// Runs the whole benchmark in its quick mode and checks that every section and goal made it into the report. It asserts
/// no figure: the machine that runs the tests is shared, so a timing here would only be a flaky test.
/// </summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task QuickRun_WritesEverySectionAndGoal()
    {
        var output = Path.Combine(Path.GetTempPath(), $"chatbot-bench-{Guid.NewGuid():N}.md");
        try
        {
            var exitCode = await BenchRunner.RunAsync(["--quick", "--output", output]);

            Assert.Equal(0, exitCode);
            var report = await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
            string[] sections =
            [
                "## Goals",
                "## 1. Streaming overhead",
                "## 2. Cold start",
                "## 3. Datastore work per turn",
                "## 4. Load: concurrent SSE chats",
                "## 4b. Concurrent streamed answers in one API process",
                "## 5. Sizes",
                "## 6. In-Lambda model",
            ];
            Assert.All(sections, section => Assert.Contains(section, report, StringComparison.Ordinal));
            string[] goals =
            [
                "| Streaming tokens/s vs in-process |",
                "| Streaming time-to-first-token overhead |",
                "| Cold start to /api/health vs bare app |",
                "| DynamoDB reads on a cache hit |",
                "| DynamoDB reads on a cache miss |",
                "| DynamoDB writes per turn |",
                "| Load: ChatBot (SQLite) turns/s vs bare app with the same writes |",
                "| Load: errors, and every message stored exactly once |",
            ];
            Assert.All(goals, goal => Assert.Contains(goal, report, StringComparison.Ordinal));

            // Correctness, not speed: after the load, every message the clients sent was stored exactly once, by ChatBot
            // (both stores) and by the baseline that does the same writes.
            var load = report.Split("## 4. ")[1].Split("## 4b.")[0];
            Assert.Equal(2, load.Split('\n').Count(line => line.StartsWith("| ChatBot", StringComparison.Ordinal) && line.Contains("| yes (", StringComparison.Ordinal)));
            Assert.Single(load.Split('\n'), line => line.StartsWith("| Bare app, same durable writes", StringComparison.Ordinal) && line.Contains("| yes (", StringComparison.Ordinal));

            // Every concurrent answer ended with `done`.
            var concurrency = report.Split("## 4b.")[1].Split("## 5.")[0];
            Assert.Contains("| 8 | 0 |", concurrency, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Parse_RejectsUnknownArguments() =>
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--fast"]));

    [Fact]
    public void Stats_ReportMedianAndSpread()
    {
        var stats = Stats.Of([3, 1, 2, 10]);

        Assert.Equal((2.5, 1, 10), (stats.Median, stats.Min, stats.Max));
        Assert.Equal("2.5 (1.0–10.0)", stats.Format());
    }
}
