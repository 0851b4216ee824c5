using CraftFlow.Api.Admin;

namespace CraftFlow.Tests.Admin;

public sealed class DatabaseWarningsTests
{
    private static readonly DatabaseInsightOptions Defaults = new();

    [Theory]
    [InlineData(24, 30, true)]
    [InlineData(23, 30, false)]
    [InlineData(30, 30, true)]
    [InlineData(0, 0, false)]
    public void Pool_use_is_warned_from_80_percent(int inUse, int max, bool warned)
    {
        var warnings = DatabaseWarnings.Evaluate(new PoolFigures(inUse, 0, max), [], 99, Defaults);

        Assert.Equal(warned, warnings.Any(w => w.StartsWith("Connection pool use is high", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(94.99, true)]
    [InlineData(95.0, false)]
    [InlineData(null, false)]
    public void Cache_hit_ratio_under_95_percent_is_warned(double? ratio, bool warned)
    {
        var warnings = DatabaseWarnings.Evaluate(null, [], ratio, Defaults);

        Assert.Equal(warned, warnings.Any(w => w.StartsWith("Buffer cache hit ratio", StringComparison.Ordinal)));
    }

    [Fact]
    public void Long_queries_are_counted_with_the_oldest_and_the_threshold()
    {
        RunningQuery[] queries = [new(1, "craftflow", null, null, 31.2, "SELECT 1"), new(2, null, "Lock", "relation", 95.7, "UPDATE x")];

        var warning = Assert.Single(DatabaseWarnings.Evaluate(null, queries, null, Defaults));

        Assert.Equal("2 queries running longer than 30 s (the oldest for 96 s).", warning);
    }

    [Fact]
    public void A_healthy_database_has_no_warnings()
    {
        Assert.Empty(DatabaseWarnings.Evaluate(new PoolFigures(3, 7, 30), [], 99.6, Defaults));
    }
}
