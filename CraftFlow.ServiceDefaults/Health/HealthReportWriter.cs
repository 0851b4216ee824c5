using System.Diagnostics;
using System.Text.Json;
using CraftFlow.ServiceDefaults.Configuration;
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

    private static readonly CpuSampler Cpu = new();

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
                ["memory_usage_mb"] = Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1),
                ["cpu_usage_percent"] = Math.Round(Cpu.Sample(), 1),
                ["response_time_ms"] = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            },
        };

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }

    private static string Describe(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>Process CPU use since the previous sample, as a share of all cores.</summary>
    private sealed class CpuSampler
    {
        private readonly Lock _gate = new();
        private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
        private long _lastTimestamp = Stopwatch.GetTimestamp();

        public double Sample()
        {
            lock (_gate)
            {
                using var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var now = Stopwatch.GetTimestamp();
                var wall = Stopwatch.GetElapsedTime(_lastTimestamp, now);
                var used = cpu - _lastCpu;
                _lastCpu = cpu;
                _lastTimestamp = now;
                return wall <= TimeSpan.Zero ? 0 : 100.0 * used / wall / Environment.ProcessorCount;
            }
        }
    }
}
