using System.Globalization;

namespace CraftFlow.Api.Admin;

/// <summary>The seed deployment guide's database warnings: pool use high, long queries, buffer cache hit ratio low.</summary>
public static class DatabaseWarnings
{
    public static IReadOnlyList<string> Evaluate(
        PoolFigures? pool, IReadOnlyCollection<RunningQuery> longQueries, double? cacheHitRatioPercent, DatabaseInsightOptions options)
    {
        var warnings = new List<string>();
        if (pool is { Max: > 0 } && pool.UsagePercent >= options.PoolUsageWarningPercent)
        {
            warnings.Add(Format(
                $"Connection pool use is high: {pool.InUse} of {pool.Max} connections in use ({pool.UsagePercent}%); requests may wait for a connection."));
        }

        if (longQueries.Count > 0)
        {
            var oldest = longQueries.Max(q => q.DurationSeconds);
            warnings.Add(Format(
                $"{longQueries.Count} queries running longer than {options.LongQueryThreshold.TotalSeconds} s (the oldest for {oldest:0} s)."));
        }

        if (cacheHitRatioPercent < options.MinimumCacheHitRatioPercent)
        {
            warnings.Add(Format(
                $"Buffer cache hit ratio is {cacheHitRatioPercent}%, under {options.MinimumCacheHitRatioPercent}%: the working set does not fit in shared_buffers."));
        }

        return warnings;
    }

    private static string Format(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
