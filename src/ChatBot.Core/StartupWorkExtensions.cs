using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatBot.Core;

/// <summary>Work an adapter does while the host starts, before the app takes requests: a schema, a table, a model load.</summary>
public static class StartupWorkExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> once while the host starts, in registration order with the other hosted services; an
    /// exception stops the start with its message. Nothing runs when the host stops.
    /// </summary>
    public static IServiceCollection RunAtStartup(this IServiceCollection services, Func<IServiceProvider, CancellationToken, Task> work) =>
        services.AddSingleton<IHostedService>(provider => new StartupWork(provider, work));

    private sealed class StartupWork(IServiceProvider provider, Func<IServiceProvider, CancellationToken, Task> work) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => work(provider, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
