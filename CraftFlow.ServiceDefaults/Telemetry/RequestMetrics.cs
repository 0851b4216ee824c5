using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CraftFlow.ServiceDefaults.Telemetry;

/// <summary>
/// PERFORMANCE_MONITORING: per-route request durations on the CraftFlow meter (exported with the
/// rest over OTLP) and a periodic summary in the log for deployments without a collector.
/// </summary>
public sealed partial class RequestMetrics(TimeProvider timeProvider, ILogger<RequestMetrics> logger) : BackgroundService
{
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(5);

    private static readonly Histogram<double> Duration = CraftFlowTelemetry.Meter.CreateHistogram<double>(
        "craftflow.http.request.duration", unit: "ms", description: "Duration of API requests by route.");

    private long _requests;
    private long _errors;
    private long _totalMicroseconds;

    /// <summary>Puts the measurement first in the pipeline, so it sees every request whole.</summary>
    public sealed class StartupFilter(RequestMetrics metrics) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            metrics.Use(app);
            next(app);
        };
    }

    public IApplicationBuilder Use(IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            Duration.Record(elapsed.TotalMilliseconds,
                new KeyValuePair<string, object?>("http.route", route),
                new KeyValuePair<string, object?>("http.response.status_code", context.Response.StatusCode));
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _totalMicroseconds, (long)elapsed.TotalMicroseconds);
            if (context.Response.StatusCode >= 500)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SummaryInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var requests = Interlocked.Exchange(ref _requests, 0);
            var errors = Interlocked.Exchange(ref _errors, 0);
            var micros = Interlocked.Exchange(ref _totalMicroseconds, 0);
            LogSummary(requests, errors, requests == 0 ? 0 : micros / 1000.0 / requests, Environment.WorkingSet / (1024.0 * 1024.0));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Performance: {Requests} requests, {Errors} errors, {AverageMs:0.0} ms average, {MemoryMb:0} MB working set in the last 5 minutes")]
    private partial void LogSummary(long requests, long errors, double averageMs, double memoryMb);
}
