return await ChatBot.Bench.BenchRunner.RunAsync(args);
