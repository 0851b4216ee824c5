using CraftFlow.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker.Monitoring;

/// <summary>
/// Warns when the working set passes 80 % of MEMORY_LIMIT_MB, once per crossing, so the logs show the climb
/// before the platform kills the container; image jobs are what push it.
/// </summary>
public sealed partial class MemoryWatchService(IOptions<PlatformOptions> options, TimeProvider timeProvider, ILogger<MemoryWatchService> logger)
    : BackgroundService
{
    public const double WarningFraction = 0.8;
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    private bool _above;

    /// <summary>Checks once; true while above the warning line.</summary>
    public bool Check(long workingSetBytes)
    {
        var limitMb = options.Value.MemoryLimitMb;
        var usedMb = workingSetBytes / (1024.0 * 1024.0);
        var above = usedMb > limitMb * WarningFraction;
        if (above && !_above)
        {
            LogHigh(logger, usedMb, limitMb);
        }
        else if (!above && _above)
        {
            LogRecovered(logger, usedMb, limitMb);
        }

        _above = above;
        return above;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, timeProvider);
        try
        {
            do
            {
                Check(Environment.WorkingSet);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory high: working set {UsedMb:0} MB is above 80 % of MEMORY_LIMIT_MB {LimitMb} MB")]
    private static partial void LogHigh(ILogger logger, double usedMb, int limitMb);

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory back under 80 %: working set {UsedMb:0} MB of MEMORY_LIMIT_MB {LimitMb} MB")]
    private static partial void LogRecovered(ILogger logger, double usedMb, int limitMb);
}
