namespace CraftFlow.Api.Admin;

/// <summary>The thresholds of the seed deployment guide's database warnings.</summary>
public sealed class DatabaseInsightOptions
{
    public const string SectionName = "Admin:DatabaseInsight";

    /// <summary>An active query older than this is listed and warned about.</summary>
    public TimeSpan LongQueryThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Warn when this share of the pool's connections is in use.</summary>
    public double PoolUsageWarningPercent { get; set; } = 80;

    /// <summary>Warn when the buffer cache serves fewer block reads than this from memory.</summary>
    public double MinimumCacheHitRatioPercent { get; set; } = 95;

    /// <summary>How many statements of pg_stat_statements (slowest mean time first), and long queries, are listed.</summary>
    public int ListLimit { get; set; } = 10;

    /// <summary>Query text is cut to this many characters: enough to recognise a statement, not a dump of its literals.</summary>
    public int QueryTextLength { get; set; } = 500;
}
