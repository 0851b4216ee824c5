using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using CraftFlow.AppHost.Resources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Tests.AppHost;

/// <summary>
/// The AppHost's own graph under Aspire.Hosting.Testing, on throwaway data in a temporary directory, with the
/// dashboard on (the testing builder turns it off by default) and everything the AppHost logs kept for asserts.
/// </summary>
public sealed class TestGraph : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly string _directory;

    private TestGraph(DistributedApplication application, string directory, LogCapture log)
    {
        Application = application;
        _directory = directory;
        Log = log;
    }

    public DistributedApplication Application { get; }

    /// <summary>What the AppHost itself logged: its console in a developer's terminal.</summary>
    public LogCapture Log { get; }

    /// <summary>Builds and starts the graph; <paramref name="prepare"/> may seed the data directory first.</summary>
    public static async Task<TestGraph> StartAsync(Action<string>? prepare = null, bool waitUntilHealthy = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"craftflow-graph-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        prepare?.Invoke(directory);
        var dashboardPort = FreePort.Next();
        var otlpPort = FreePort.Next();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CraftFlow_AppHost>(
            [
                $"AppHost:DataDirectory={directory}",
                "AppHost:Durable=false",
                "AppHost:Servers=local",
                $"ASPNETCORE_URLS=http://127.0.0.1:{dashboardPort}",
                $"ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{otlpPort}",
                "ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
            ],
            (options, _) =>
            {
                options.DisableDashboard = false;
                options.AllowUnsecuredTransport = true;
            });
        var log = new LogCapture();
        builder.Services.AddLogging(logging => logging.AddProvider(log));

        var application = await builder.BuildAsync();
        var graph = new TestGraph(application, directory, log);
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await application.StartAsync(timeout.Token);
            if (waitUntilHealthy)
            {
                foreach (var service in new[] { "api", "worker" })
                {
                    await application.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
                }
            }

            return graph;
        }
        catch
        {
            await graph.DisposeAsync();
            throw;
        }
    }

    public HttpClient CreateApiClient() => Application.CreateHttpClient("api");

    public bool TryGetSnapshot(string resource, out CustomResourceSnapshot snapshot)
    {
        if (Application.ResourceNotifications.TryGetCurrentState(resource, out var update))
        {
            snapshot = update.Snapshot;
            return true;
        }

        snapshot = null!;
        return false;
    }

    /// <summary>The process DCP started for a resource (for a project, the <c>dotnet run</c> that hosts it).</summary>
    public int? ProcessId(string resource) =>
        TryGetSnapshot(resource, out var snapshot)
        && snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;

    public async ValueTask DisposeAsync()
    {
        await Application.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The servers' files go with the next temp clean-up.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Keeps every log line of the AppHost process in memory.</summary>
    public sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}
