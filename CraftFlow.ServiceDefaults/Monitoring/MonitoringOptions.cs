namespace CraftFlow.ServiceDefaults.Monitoring;

/// <summary>The <c>Monitoring</c> section: PERFORMANCE_MONITORING's request figures and the memory watch.</summary>
public sealed class MonitoringOptions
{
    public const string SectionName = "Monitoring";

    /// <summary>A request slower than this is counted and logged with its route (the seed guide's 5 s).</summary>
    public TimeSpan SlowRequestThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The performance summary line is logged every this many requests.</summary>
    public int SummaryEveryRequests { get; set; } = 100;

    /// <summary>Durations kept per route for its percentiles: the most recent ones.</summary>
    public int LatencySamplesPerRoute { get; set; } = 1024;

    /// <summary>How often the memory watch samples the working set and the GC heap.</summary>
    public TimeSpan MemorySampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Above this share of MEMORY_LIMIT_MB the memory watch warns and /health reports memory degraded.</summary>
    public double MemoryWarningFraction { get; set; } = 0.8;

    /// <summary>A named operation that grows the working set by more than this many MB is logged (the seed guide's memory manager).</summary>
    public int OperationGrowthWarningMb { get; set; } = 500;

    /// <summary>Whether the memory watch sets the GC heap's hard limit from MEMORY_LIMIT_MB when the process starts.</summary>
    public bool LimitGcHeap { get; set; } = true;

    /// <summary>
    /// The GC heap's hard limit as a share of MEMORY_LIMIT_MB: the rest is for native memory (ImageMagick's pixel
    /// cache, Npgsql's and Kestrel's buffers) and the runtime itself.
    /// </summary>
    public double GcHeapShare { get; set; } = 0.75;
}
