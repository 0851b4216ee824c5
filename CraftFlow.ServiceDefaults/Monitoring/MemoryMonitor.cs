using System.Diagnostics.Metrics;
using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CraftFlow.ServiceDefaults.Monitoring;

/// <summary>
/// Samples the working set and the GC heap (also as gauges on the CraftFlow meter), warns once per crossing of
/// 80 % of MEMORY_LIMIT_MB so the logs show the climb before the platform kills the container, and measures named
/// operations (<see cref="Track"/>). The GC itself is bounded by <see cref="GcMemoryLimit"/>, not by forced collections.
/// </summary>
public sealed partial class MemoryMonitor : BackgroundService
{
    private readonly PlatformOptions _platform;
    private readonly MonitoringOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MemoryMonitor> _logger;
    private bool _above;

    public MemoryMonitor(IOptions<PlatformOptions> platform, IOptions<MonitoringOptions> options, TimeProvider timeProvider, ILogger<MemoryMonitor> logger)
    {
        _platform = platform.Value;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        CraftFlowTelemetry.Meter.CreateObservableGauge("craftflow.process.working_set", () => ProcessUsage.WorkingSetMb, unit: "MB");
        CraftFlowTelemetry.Meter.CreateObservableGauge("craftflow.gc.heap", () => ProcessUsage.GcHeapMb, unit: "MB");
    }

    /// <summary>Checks once; true while above the warning line.</summary>
    public bool Check(double workingSetMb, double gcHeapMb)
    {
        var limitMb = _platform.MemoryLimitMb;
        var above = workingSetMb > limitMb * _options.MemoryWarningFraction;
        if (above && !_above)
        {
            LogHigh(workingSetMb, gcHeapMb, _options.MemoryWarningFraction * 100, limitMb);
        }
        else if (!above && _above)
        {
            LogRecovered(workingSetMb, limitMb);
        }

        _above = above;
        return above;
    }

    /// <summary>
    /// Measures one operation: when it is disposed, a working set grown by more than
    /// <see cref="MonitoringOptions.OperationGrowthWarningMb"/> since it began is logged with the operation's name.
    /// </summary>
    public OperationMemory Track(string operation) => new(this, operation, ProcessUsage.WorkingSetMb);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.LimitGcHeap && GcMemoryLimit.Apply(_platform.MemoryLimitMb, _options.GcHeapShare) is { } limit)
        {
            LogGcLimit(GcMemoryLimit.Describe(limit), _options.GcHeapShare * 100, _platform.MemoryLimitMb);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.MemorySampleInterval, _timeProvider);
        try
        {
            do
            {
                Check(ProcessUsage.WorkingSetMb, ProcessUsage.GcHeapMb);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal void Finished(string operation, double beforeMb, double afterMb)
    {
        if (afterMb - beforeMb > _options.OperationGrowthWarningMb)
        {
            LogOperationGrowth(operation, afterMb - beforeMb, beforeMb, afterMb);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "GC heap hard limit {Limit} ({Percent:0} % of MEMORY_LIMIT_MB {LimitMb} MB)")]
    private partial void LogGcLimit(string limit, double percent, int limitMb);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory high: working set {UsedMb:0} MB (GC heap {HeapMb:0} MB) is above {Percent:0} % of MEMORY_LIMIT_MB {LimitMb} MB")]
    private partial void LogHigh(double usedMb, double heapMb, double percent, int limitMb);

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory back under the warning line: working set {UsedMb:0} MB of MEMORY_LIMIT_MB {LimitMb} MB")]
    private partial void LogRecovered(double usedMb, int limitMb);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory: {Operation} grew the working set by {GrowthMb:0} MB ({BeforeMb:0} MB to {AfterMb:0} MB)")]
    private partial void LogOperationGrowth(string operation, double growthMb, double beforeMb, double afterMb);
}

/// <summary>A named operation being measured by <see cref="MemoryMonitor.Track"/>.</summary>
public readonly struct OperationMemory(MemoryMonitor monitor, string operation, double beforeMb) : IDisposable
{
    public void Dispose() => monitor.Finished(operation, beforeMb, ProcessUsage.WorkingSetMb);
}
