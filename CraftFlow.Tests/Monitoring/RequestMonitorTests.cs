using System.Collections.Concurrent;
using System.Net;
using CraftFlow.ServiceDefaults.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CraftFlow.Tests.Monitoring;

/// <summary>PERFORMANCE_MONITORING on a small service with the service defaults, in memory.</summary>
public sealed class RequestMonitorTests
{
    [Fact]
    public async Task Every_hundredth_request_logs_the_seed_guides_summary_line()
    {
        var log = new CapturedLog();
        await using var app = await StartAsync(log);
        using var client = app.GetTestClient();

        for (var i = 0; i < 99; i++)
        {
            (await client.GetAsync(i % 10 == 0 ? "/boom" : "/fast")).Dispose();
        }

        Assert.DoesNotContain(log.Lines, line => line.Contains("Performance Summary", StringComparison.Ordinal));
        (await client.GetAsync("/fast")).Dispose();

        var summary = Assert.Single(log.Lines, line => line.Contains("Performance Summary", StringComparison.Ordinal));
        Assert.Matches(@"^Performance Summary - Requests: 100, Error Rate: 10\.0%, Slow Rate: 0\.0%, Memory: \d+MB, CPU: \d+\.\d%$", summary);
    }

    [Fact]
    public async Task A_slow_request_is_counted_and_logged_with_its_route_and_duration()
    {
        var log = new CapturedLog();
        await using var app = await StartAsync(log, new() { ["Monitoring:SlowRequestThreshold"] = "00:00:00.100" });
        using var client = app.GetTestClient();

        (await client.GetAsync("/fast")).Dispose();
        (await client.GetAsync("/slow/7")).Dispose();

        var figures = app.Services.GetRequiredService<RequestMonitor>().Snapshot();
        Assert.Equal((2L, 1L), (figures.Requests, figures.SlowRequests));
        var slow = Assert.Single(log.Lines, line => line.StartsWith("Slow request", StringComparison.Ordinal));
        Assert.Matches(@"^Slow request: GET /slow/\{id\} took \d+ ms \(200\)$", slow);
    }

    [Fact]
    public async Task Each_route_has_its_own_percentiles()
    {
        await using var app = await StartAsync(new CapturedLog());
        using var client = app.GetTestClient();

        for (var i = 0; i < 20; i++)
        {
            (await client.GetAsync("/fast")).Dispose();
        }

        (await client.GetAsync("/slow/1")).Dispose();

        var routes = app.Services.GetRequiredService<RequestMonitor>().Snapshot().Routes;
        var fast = Assert.Single(routes, route => route.Route == "/fast");
        var slow = Assert.Single(routes, route => route.Route == "/slow/{id}");
        Assert.Equal(20, fast.Requests);
        Assert.True(fast.P50Ms <= fast.P95Ms && fast.P95Ms <= fast.P99Ms);
        Assert.Equal(1, slow.Requests);
        Assert.True(slow.P50Ms >= 190, $"slow p50 {slow.P50Ms} ms");
    }

    private static async Task<WebApplication> StartAsync(CapturedLog log, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Configuration.AddInMemoryCollection([new("Monitoring:LimitGcHeap", "false")]);
        builder.Logging.ClearProviders().AddProvider(log);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapGet("/fast", () => "ok");
        app.MapGet("/slow/{id}", async (int id) =>
        {
            // The slowness being measured, not a wait for something else.
            await Task.Delay(200);
            return id;
        });
        app.MapGet("/boom", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync();
        return app;
    }
}

/// <summary>The formatted messages of everything logged through it.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => lines.Enqueue(formatter(state, exception));
    }
}
