using Microsoft.Extensions.Configuration;

namespace CraftFlow.ServiceDefaults.Configuration;

/// <summary>The flat, Railway-style settings every service shares, parsed once and validated at start-up.</summary>
public sealed record PlatformSettings(bool DebugLogging, bool PerformanceMonitoring, double MemoryLimitMb)
{
    public static PlatformSettings Read(IConfiguration configuration) => new(
        ReadBool(configuration, "DEBUG_LOGGING", false),
        ReadBool(configuration, "PERFORMANCE_MONITORING", true),
        ReadPositive(configuration, "MEMORY_LIMIT_MB", 7000));

    /// <summary>Reads a true/false setting; anything else fails start-up naming the setting.</summary>
    public static bool ReadBool(IConfiguration configuration, string key, bool fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new InvalidOperationException($"{key} must be true or false, got '{text}'."),
        };
    }

    public static double ReadPositive(IConfiguration configuration, string key, double fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{key} must be a positive number, got '{text}'.");
    }
}
