using CraftFlow.ServiceDefaults.Configuration;
using Microsoft.Extensions.Configuration;

namespace CraftFlow.Tests.Foundation;

public sealed class PlatformSettingsTests
{
    [Fact]
    public void Defaults_apply_when_nothing_is_set()
    {
        var settings = PlatformSettings.Read(new ConfigurationBuilder().Build());

        Assert.Equal(new PlatformSettings(DebugLogging: false, PerformanceMonitoring: true, MemoryLimitMb: 7000), settings);
    }

    [Theory]
    [InlineData("DEBUG_LOGGING", "maybe")]
    [InlineData("PERFORMANCE_MONITORING", "sometimes")]
    [InlineData("MEMORY_LIMIT_MB", "-5")]
    [InlineData("MEMORY_LIMIT_MB", "lots")]
    public void A_bad_value_fails_naming_the_setting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();

        var error = Assert.Throws<InvalidOperationException>(() => PlatformSettings.Read(configuration));

        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Railway_style_values_are_read()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
        [
            new("DEBUG_LOGGING", "True"), new("PERFORMANCE_MONITORING", "false"), new("MEMORY_LIMIT_MB", "512"),
        ]).Build();

        Assert.Equal(new PlatformSettings(true, false, 512), PlatformSettings.Read(configuration));
    }
}
