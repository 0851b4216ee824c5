using System.ComponentModel.DataAnnotations;

namespace CraftFlow.ServiceDefaults.Configuration;

/// <summary>What every service shares from DESIGN.md section 3 (DEBUG_LOGGING, PERFORMANCE_MONITORING, MEMORY_LIMIT_MB, the version).</summary>
public sealed class PlatformOptions
{
    public const string SectionName = "Platform";

    /// <summary>DEBUG_LOGGING: debug logs for the cache and the queue.</summary>
    public bool DebugLogging { get; set; }

    /// <summary>PERFORMANCE_MONITORING: request metrics and periodic summaries.</summary>
    public bool PerformanceMonitoring { get; set; } = true;

    /// <summary>MEMORY_LIMIT_MB: the container's memory budget; health turns degraded above 80 % of it.</summary>
    [Range(64, 1_048_576)]
    public int MemoryLimitMb { get; set; } = 7000;

    /// <summary>RAILWAY_GIT_COMMIT_SHA: reported by /health and in telemetry.</summary>
    public string Version { get; set; } = "unknown";

    /// <summary>The first eight characters of the commit, as /health shows it.</summary>
    public string ShortVersion => Version.Length > 8 ? Version[..8] : Version;

    /// <summary>Reads the section directly, for the few decisions made while services are still being registered.</summary>
    public static PlatformOptions Read(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        Microsoft.Extensions.Configuration.ConfigurationBinder.Get<PlatformOptions>(configuration.GetSection(SectionName)) ?? new PlatformOptions();
}
