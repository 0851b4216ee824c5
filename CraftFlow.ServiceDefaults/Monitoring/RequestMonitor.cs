using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CraftFlow.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CraftFlow.ServiceDefaults.Monitoring;

/// <summary>
/// PERFORMANCE_MONITORING: every request counted (errors are 5xx answers, slow ones past the threshold, each logged
/// with its route), per-route durations on the CraftFlow meter (the dashboard's histograms and percentiles) and in
/// memory for <see cref="Snapshot"/>, and the seed guide's summary line every N requests.
/// </summary>
public sealed partial class RequestMonitor(IOptions<MonitoringOptions> options, ProcessUsage usage, ILogger<RequestMonitor> logger)
{
    private static readonly Histogram<double> Duration = CraftFlowTelemetry.Meter.CreateHistogram(
        "craftflow.http.request.duration", unit: "ms", description: "Duration of requests by route.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] });

    private static readonly Counter<long> SlowRequests = CraftFlowTelemetry.Meter.CreateCounter<long>(
        "craftflow.http.slow_requests", description: "Requests slower than the slow-request threshold.");

    private readonly MonitoringOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, RouteLatencies> _routes = new(StringComparer.Ordinal);
    private long _requests;
    private long _errors;
    private long _slow;

    /// <summary>Puts the measurement first in the pipeline, so it sees every request whole.</summary>
    public sealed class StartupFilter(RequestMonitor monitor) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(monitor.MeasureAsync);
            next(app);
        };
    }

    /// <summary>Totals since start and every route's figures, busiest first.</summary>
    public RequestFigures Snapshot() => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _errors),
        Interlocked.Read(ref _slow),
        _options.SlowRequestThreshold.TotalSeconds,
        [.. _routes.Select(route => route.Value.Read(route.Key)).OrderByDescending(route => route.Requests)]);

    private async Task MeasureAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            Record(context, Stopwatch.GetElapsedTime(started));
        }
    }

    private void Record(HttpContext context, TimeSpan elapsed)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
        var status = context.Response.StatusCode;
        var error = status >= StatusCodes.Status500InternalServerError;
        var slow = elapsed > _options.SlowRequestThreshold;
        var routeTag = new KeyValuePair<string, object?>("http.route", route);
        Duration.Record(elapsed.TotalMilliseconds, routeTag, new KeyValuePair<string, object?>("http.response.status_code", status));
        _routes.GetOrAdd(route, _ => new RouteLatencies(_options.LatencySamplesPerRoute)).Record(elapsed.TotalMilliseconds, error, slow);

        var requests = Interlocked.Increment(ref _requests);
        var errors = error ? Interlocked.Increment(ref _errors) : Interlocked.Read(ref _errors);
        var slowCount = slow ? Interlocked.Increment(ref _slow) : Interlocked.Read(ref _slow);
        if (slow)
        {
            SlowRequests.Add(1, routeTag);
            LogSlowRequest(context.Request.Method, route, elapsed.TotalMilliseconds, status);
        }

        if (requests % _options.SummaryEveryRequests == 0)
        {
            LogSummary(requests, 100.0 * errors / requests, 100.0 * slowCount / requests, ProcessUsage.WorkingSetMb, usage.SampleCpuPercent());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow request: {Method} {Route} took {DurationMs:0} ms ({StatusCode})")]
    private partial void LogSlowRequest(string method, string route, double durationMs, int statusCode);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Performance Summary - Requests: {Requests}, Error Rate: {ErrorRate:0.0}%, Slow Rate: {SlowRate:0.0}%, Memory: {MemoryMb:0}MB, CPU: {Cpu:0.0}%")]
    private partial void LogSummary(long requests, double errorRate, double slowRate, double memoryMb, double cpu);
}

/// <summary>What <c>GET /api/admin/requests</c> shows.</summary>
public sealed record RequestFigures(long Requests, long Errors, long SlowRequests, double SlowThresholdSeconds, IReadOnlyList<RouteFigures> Routes);
