using System.Globalization;

namespace CraftFlow.ServiceDefaults.Monitoring;

/// <summary>
/// Gives the GC a heap hard limit from MEMORY_LIMIT_MB (a share of it; native memory needs the rest), so the heap
/// compacts and collects harder as it nears the budget instead of the process being killed; no forced collections.
/// Settings given to the runtime directly (DOTNET_GCHeapHardLimit, runtimeconfig) win.
/// </summary>
public static class GcMemoryLimit
{
    public const string HeapHardLimitSetting = "GCHeapHardLimit";

    public static ulong? Apply(int memoryLimitMb, double heapShare)
    {
        if (AppContext.GetData(HeapHardLimitSetting) is not null || Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") is not null)
        {
            return null;
        }

        var limit = (ulong)(memoryLimitMb * heapShare * 1024 * 1024);
        AppContext.SetData(HeapHardLimitSetting, limit);
        GC.RefreshMemoryLimit();
        return limit;
    }

    public static string Describe(ulong bytes) => (bytes / (1024.0 * 1024.0)).ToString("0", CultureInfo.InvariantCulture) + " MB";
}
