using Microsoft.Extensions.Options;

namespace CraftFlow.Caching.Configuration;

/// <summary>Range checks, run at start-up (ValidateOnStart) so a bad deployment never serves.</summary>
internal sealed class CachingOptionsValidator : IValidateOptions<CachingOptions>
{
    // A day is far beyond any TTL of DESIGN.md; larger values are almost certainly a typo (ms for s).
    private const int MaxTtlSeconds = 86_400;

    // The memory tier keeps live objects; millions of them would swamp MEMORY_LIMIT_MB.
    private const int MaxMemoryItems = 1_000_000;

    public ValidateOptionsResult Validate(string? name, CachingOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultTtlSeconds is < 1 or > MaxTtlSeconds)
        {
            failures.Add($"{CachingOptions.DefaultTtlSetting} must be between 1 and {MaxTtlSeconds} seconds, got {options.DefaultTtlSeconds}.");
        }

        if (options.MaxMemoryItems is < 1 or > MaxMemoryItems)
        {
            failures.Add($"{CachingOptions.MaxMemoryItemsSetting} must be between 1 and {MaxMemoryItems}, got {options.MaxMemoryItems}.");
        }

        if (options.RedisTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(CachingOptions.RedisTimeout)} must be positive.");
        }

        if (options.RedisProbeInterval <= TimeSpan.Zero || options.OutageMemoryTtl <= TimeSpan.Zero || options.HealthLogInterval <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(CachingOptions.RedisProbeInterval)}, {nameof(CachingOptions.OutageMemoryTtl)} and {nameof(CachingOptions.HealthLogInterval)} must be positive.");
        }

        if (options.FailSafeMaxDuration < TimeSpan.Zero || options.FailSafeThrottle <= TimeSpan.Zero)
        {
            failures.Add($"{nameof(CachingOptions.FailSafeMaxDuration)} must not be negative and {nameof(CachingOptions.FailSafeThrottle)} must be positive.");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            failures.Add($"{nameof(CachingOptions.KeyPrefix)} must not be empty: the cache shares Redis with other users.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
