using ChatBot.Core;
using ChatBot.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace ChatBot.Adapters.Tests;

public sealed class SqliteStoreRegistrationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chatbot-host-").FullName;

    [Fact]
    public async Task Startup_WithARelativePath_CreatesTheDatabaseRelativeToTheWorkingDirectory()
    {
        // As a user means Storage__Sqlite__Path=data/chat.db: from where they ran the command, not the app's folder.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_root, "data", "chat.db"));
        using var host = BuildHost(new() { ["Storage:Sqlite:Path"] = relative });

        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.True(File.Exists(Path.Combine(_root, "data", "chat.db")));
        Assert.False(Directory.Exists(Path.Combine(_root, "content", "data")));
        Assert.IsType<SqliteConversationStore>(host.Services.GetRequiredService<IConversationStore>());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Startup_WithAnEmptyPath_FailsNamingTheSetting()
    {
        using var host = BuildHost(new() { ["Storage:Sqlite:Path"] = "" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Storage:Sqlite:Path", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.CreateDirectory(Path.Combine(_root, "content")).FullName });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSqliteConversationStore(builder.Configuration.GetSection("Storage"));
        return builder.Build();
    }
}
