using System.Globalization;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker;

/// <summary>The Worker's process settings (DESIGN.md section 3), read from Railway-style variables.</summary>
public sealed class WorkerOptions
{
    public const string ConcurrencySetting = "WORKER_CONCURRENCY";
    public const string MemoryLimitSetting = "MEMORY_LIMIT_MB";
    public const string DebugLoggingSetting = "DEBUG_LOGGING";
    public const int MaxConcurrency = 64;

    /// <summary>Jobs each queue's consumer runs at once in this process.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>
    /// Per-queue overrides from WORKER_CONCURRENCY_&lt;QUEUE&gt; (e.g. WORKER_CONCURRENCY_IMAGE_PROCESSING=1 where
    /// image jobs need the memory); 0 turns a queue's consumer off in this process.
    /// </summary>
    public Dictionary<string, int> QueueConcurrency { get; } = new(StringComparer.Ordinal);

    public int ConcurrencyFor(string queue) => QueueConcurrency.GetValueOrDefault(queue, Concurrency);

    public static string QueueConcurrencySetting(string queue) => $"{ConcurrencySetting}_{queue.ToUpperInvariant()}";

    /// <summary>The container's memory budget; the memory watch warns above 80 % of it.</summary>
    public int MemoryLimitMb { get; set; } = 7000;

    /// <summary>Debug logs for the queue and the Worker's handlers (every claim outcome, every completion).</summary>
    public bool DebugLogging { get; set; }

    /// <summary>
    /// Reads the settings, failing with a message that names the setting and the bad value: a typo in a Railway
    /// variable should stop the deploy, not run with a default nobody chose.
    /// </summary>
    public static void Load(WorkerOptions options, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        options.Concurrency = ReadInt(configuration, ConcurrencySetting, options.Concurrency, 1, MaxConcurrency);
        foreach (var queue in CraftFlow.Data.Jobs.JobQueues.All)
        {
            var setting = QueueConcurrencySetting(queue);
            if (configuration[setting] is { Length: > 0 })
            {
                options.QueueConcurrency[queue] = ReadInt(configuration, setting, options.Concurrency, 0, MaxConcurrency);
            }
        }

        options.MemoryLimitMb = ReadInt(configuration, MemoryLimitSetting, options.MemoryLimitMb, 64, 1_048_576);
        if (configuration[DebugLoggingSetting] is { Length: > 0 } debug)
        {
            options.DebugLogging = bool.TryParse(debug.Trim(), out var on)
                ? on
                : throw new OptionsValidationException(
                    DebugLoggingSetting, typeof(WorkerOptions), [$"{DebugLoggingSetting} must be true or false, got '{debug}'."]);
        }
    }

    private static int ReadInt(Microsoft.Extensions.Configuration.IConfiguration configuration, string setting, int fallback, int min, int max)
    {
        var text = configuration[setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new OptionsValidationException(
                setting, typeof(WorkerOptions), [$"{setting} must be a whole number from {min} to {max}, got '{text}'."]);
        }

        return value;
    }
}
