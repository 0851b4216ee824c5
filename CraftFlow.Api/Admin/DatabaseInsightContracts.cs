namespace CraftFlow.Api.Admin;

/// <summary>What <c>GET /api/admin/database</c> answers.</summary>
public sealed record DatabaseInsightResponse(
    DateTimeOffset CheckedAt,
    PoolFigures? Pool,
    LongRunningQueries LongRunningQueries,
    double? CacheHitRatioPercent,
    SlowStatements SlowStatements,
    IReadOnlyList<string> Warnings);

/// <summary>This API process's connection pool, from Npgsql's metrics; null when Npgsql reported none for it.</summary>
public sealed record PoolFigures(int InUse, int Idle, int Max)
{
    public double UsagePercent => Max > 0 ? Math.Round(100.0 * InUse / Max, 1) : 0;
}

public sealed record LongRunningQueries(double ThresholdSeconds, IReadOnlyList<RunningQuery> Queries);

public sealed record RunningQuery(
    int Pid, string? ApplicationName, string? WaitEventType, string? WaitEvent, double DurationSeconds, string Query);

/// <summary>The slowest statements by mean time; <see cref="Note"/> says why there are none when the extension is missing.</summary>
public sealed record SlowStatements(bool Available, string? Note, IReadOnlyList<StatementStats> Statements);

public sealed record StatementStats(long Calls, double MeanMs, double MaxMs, double TotalMs, long Rows, string Query);
