using CraftFlow.ServiceDefaults.Configuration;
using CraftFlow.ServiceDefaults.Monitoring;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Monitoring;

public sealed class MemoryMonitorTests
{
    [Fact]
    public void Warns_once_when_the_working_set_crosses_80_percent_of_the_limit_and_once_when_it_falls_back()
    {
        var log = new CapturedLog();
        var monitor = Create(log, memoryLimitMb: 1000);

        Assert.False(monitor.Check(790, 100));
        Assert.True(monitor.Check(810, 100));
        Assert.True(monitor.Check(900, 100));
        Assert.False(monitor.Check(500, 100));

        Assert.Single(log.Lines, line => line.StartsWith("Memory high: working set 810 MB (GC heap 100 MB) is above 80 % of MEMORY_LIMIT_MB 1000 MB", StringComparison.Ordinal));
        Assert.Single(log.Lines, line => line.StartsWith("Memory back under", StringComparison.Ordinal));
    }

    [Fact]
    public void A_named_operation_that_grows_the_working_set_past_the_threshold_is_logged_by_name()
    {
        var log = new CapturedLog();
        var monitor = Create(log, memoryLimitMb: 7000, growthWarningMb: 32);

        using (monitor.Track("small"))
        {
        }

        byte[] touched;
        using (monitor.Track("decode print file"))
        {
            touched = new byte[128 * 1024 * 1024];
            for (var i = 0; i < touched.Length; i += 4096)
            {
                touched[i] = 1;
            }
        }

        GC.KeepAlive(touched);
        var line = Assert.Single(log.Lines, l => l.StartsWith("Memory:", StringComparison.Ordinal));
        Assert.StartsWith("Memory: decode print file grew the working set by", line, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gc_heap_limit_derived_from_the_memory_limit_is_what_the_gc_works_with()
    {
        // Whichever host of this test run started first set it (or this call does); the GC must report that limit.
        GcMemoryLimit.Apply(memoryLimitMb: 20_000, heapShare: 0.75);

        var limit = Convert.ToUInt64(AppContext.GetData(GcMemoryLimit.HeapHardLimitSetting), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((long)limit, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }

    private static MemoryMonitor Create(CapturedLog log, int memoryLimitMb, int growthWarningMb = 500) => new(
        Options.Create(new PlatformOptions { MemoryLimitMb = memoryLimitMb }),
        Options.Create(new MonitoringOptions { OperationGrowthWarningMb = growthWarningMb }),
        TimeProvider.System,
        Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<MemoryMonitor>(new Microsoft.Extensions.Logging.LoggerFactory([log])));
}
