namespace CraftFlow.Api.Admin;

public static class AdminServiceExtensions
{
    public static IHostApplicationBuilder AddAdminInsight(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseInsightOptions>().BindConfiguration(DatabaseInsightOptions.SectionName)
            .Validate(o => o.LongQueryThreshold > TimeSpan.Zero, "Admin:DatabaseInsight:LongQueryThreshold must be positive.")
            .Validate(o => o.PoolUsageWarningPercent is > 0 and <= 100, "Admin:DatabaseInsight:PoolUsageWarningPercent must be in (0, 100].")
            .Validate(o => o.MinimumCacheHitRatioPercent is >= 0 and <= 100, "Admin:DatabaseInsight:MinimumCacheHitRatioPercent must be in [0, 100].")
            .Validate(o => o.ListLimit > 0 && o.QueryTextLength > 0, "Admin:DatabaseInsight list limit and query text length must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<NpgsqlPoolMetrics>();
        builder.Services.AddSingleton<DatabaseInsight>();
        return builder;
    }
}
