using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CraftFlow.Caching.Configuration;

/// <summary>
/// Reads the flat settings into <see cref="CachingOptions"/>. Parsing by hand rather than with the
/// configuration binder so that a bad value fails start-up with a message naming the setting.
/// </summary>
internal sealed class CachingOptionsSetup(IConfiguration configuration) : IConfigureOptions<CachingOptions>
{
    public void Configure(CachingOptions options)
    {
        options.Enabled = ReadBool(CachingOptions.EnabledSetting, options.Enabled);
        options.DefaultTtlSeconds = ReadInt(CachingOptions.DefaultTtlSetting, options.DefaultTtlSeconds);
        options.MaxMemoryItems = ReadInt(CachingOptions.MaxMemoryItemsSetting, options.MaxMemoryItems);
        options.DebugLogging = ReadBool(CachingOptions.DebugLoggingSetting, options.DebugLogging);
    }

    private bool ReadBool(string setting, bool fallback)
    {
        var raw = configuration[setting];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        return raw.Trim().ToUpperInvariant() switch
        {
            "TRUE" or "1" or "YES" or "ON" => true,
            "FALSE" or "0" or "NO" or "OFF" => false,
            _ => throw new OptionsValidationException(setting, typeof(CachingOptions), [$"{setting} must be true or false, got '{raw}'."]),
        };
    }

    private int ReadInt(string setting, int fallback)
    {
        var raw = configuration[setting];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        return int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new OptionsValidationException(setting, typeof(CachingOptions), [$"{setting} must be a whole number, got '{raw}'."]);
    }
}
