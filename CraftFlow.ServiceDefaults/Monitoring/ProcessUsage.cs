using System.Diagnostics;

namespace CraftFlow.ServiceDefaults.Monitoring;

/// <summary>This process's memory and CPU, read the same way by /health, the performance summary and the memory watch.</summary>
public sealed class ProcessUsage
{
    private readonly Lock _gate = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastTimestamp = Stopwatch.GetTimestamp();

    public static double WorkingSetMb => Environment.WorkingSet / (1024.0 * 1024.0);

    /// <summary>The managed heap as the last GC left it, plus what was allocated since.</summary>
    public static double GcHeapMb => GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0);

    /// <summary>CPU use since the previous call, as a share of all cores, in percent.</summary>
    public double SampleCpuPercent()
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
