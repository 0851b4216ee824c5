using System.Text.Json;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.ServiceDefaults.Monitoring;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CraftFlow.ServiceDefaults.Health;

/// <summary>Writes /health in the shape of DESIGN.md section 4 (the seed deployment guide's fields).</summary>
public static class HealthReportWriter
{
    // Slower than this and the probe itself reports the service as degraded.
    private static readonly TimeSpan SlowResponse = TimeSpan.FromSeconds(1);

    // Longer than any probe waits; the database check itself is bounded by the connection's 10 s timeout.
    private static readonly TimeSpan CheckDeadline = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Runs the readiness checks and answers 200 (healthy, degraded) or 503 (unhealthy). The checks get their own
    /// deadline rather than the request's: a probe that gives up early (a cold start's first query can take seconds)
    /// must not cancel a query half-way and log it as a failed check with a stack trace.
    /// </summary>
    public static async Task AnswerAsync(HttpContext context, HealthCheckService health)
    {
        using var deadline = new CancellationTokenSource(CheckDeadline);
        var report = await health.CheckHealthAsync(registration => !registration.Tags.Contains(HealthEndpoints.LiveTag), deadline.Token);
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status200OK;
        await WriteAsync(context, report);
    }

    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var time = context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var version = context.RequestServices.GetRequiredService<IOptions<PlatformOptions>>().Value.ShortVersion;

        var checks = report.Entries.ToDictionary(e => e.Key, e => Describe(e.Value.Status));
        checks["response_time"] = report.TotalDuration > SlowResponse ? "degraded" : "healthy";

        var status = report.Status;
        if (status == HealthStatus.Healthy && report.TotalDuration > SlowResponse)
        {
            status = HealthStatus.Degraded;
        }

        var body = new Dictionary<string, object>
        {
            ["status"] = Describe(status),
            ["timestamp"] = time.GetUtcNow(),
            ["version"] = version,
            ["checks"] = checks,
            ["metrics"] = new Dictionary<string, double>
            {
                ["memory_usage_mb"] = Math.Round(ProcessUsage.WorkingSetMb, 1),
                ["cpu_usage_percent"] = Math.Round(context.RequestServices.GetRequiredService<ProcessUsage>().SampleCpuPercent(), 1),
                ["response_time_ms"] = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            },
        };

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The probe hung up; there is nobody to answer.
        }
    }

    private static string Describe(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
