using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CraftFlow.ServiceDefaults.Telemetry;

/// <summary>CraftFlow's own trace source and meter, exported next to the instrumented platform's.</summary>
public static class CraftFlowTelemetry
{
    public const string Name = "CraftFlow";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>FusionCache's log category.</summary>
    public const string FusionCacheLogCategory = "ZiggyCreatures.Caching.Fusion";

    /// <summary>What DEBUG_LOGGING turns to Debug: the cache and the queue (DESIGN.md section 3); FusionCache is set apart.</summary>
    public static readonly string[] DebugLoggingCategories = ["CraftFlow.Caching", "CraftFlow.Api.Caching", "CraftFlow.Data.Jobs", "CraftFlow.Worker"];
}
