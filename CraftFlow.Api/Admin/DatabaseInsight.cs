using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Api.Admin;

/// <summary>
/// What an operator asks of the database when the API is slow: how full this process's pool is, which
/// queries have run for long, how much of the reading the buffer cache serves, and which statements
/// are slowest (pg_stat_statements), with the seed guide's warnings.
/// </summary>
public sealed partial class DatabaseInsight(
    NpgsqlDataSource dataSource,
    NpgsqlPoolMetrics poolMetrics,
    IOptions<DatabaseInsightOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseInsight> logger)
{
    private const string StatementsExtension = "pg_stat_statements";

    // SQLSTATE 55000 object_not_in_prerequisite_state: the extension exists but the server did not preload it.
    private const string NotPreloaded = PostgresErrorCodes.ObjectNotInPrerequisiteState;

    private readonly string _poolName = NpgsqlPoolMetrics.PoolName(dataSource);

    public async Task<DatabaseInsightResponse> ReadAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // Read before borrowing a connection for the queries below, so the figures do not count this request.
        var pool = poolMetrics.Read(_poolName);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var longQueries = await ReadLongQueriesAsync(connection, settings, cancellationToken);
        var hitRatio = await ReadCacheHitRatioAsync(connection, cancellationToken);
        var statements = await ReadSlowStatementsAsync(connection, settings, cancellationToken);

        var warnings = DatabaseWarnings.Evaluate(pool, longQueries, hitRatio, settings);
        LogRead(logger, pool?.InUse, pool?.Max, longQueries.Count, hitRatio, warnings.Count);
        return new DatabaseInsightResponse(
            timeProvider.GetUtcNow(),
            pool,
            new LongRunningQueries(settings.LongQueryThreshold.TotalSeconds, longQueries),
            hitRatio,
            statements,
            warnings);
    }

    private static async Task<IReadOnlyList<RunningQuery>> ReadLongQueriesAsync(
        NpgsqlConnection connection, DatabaseInsightOptions settings, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT pid, application_name, wait_event_type, wait_event,
                   EXTRACT(EPOCH FROM clock_timestamp() - query_start)::float8,
                   left(query, $1)
            FROM pg_stat_activity
            WHERE datname = current_database()
              AND state = 'active'
              AND backend_type = 'client backend'
              AND pid <> pg_backend_pid()
              AND query_start < clock_timestamp() - $2
            ORDER BY query_start
            LIMIT $3
            """;
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters = { new() { Value = settings.QueryTextLength }, new() { Value = settings.LongQueryThreshold }, new() { Value = settings.ListLimit } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var queries = new List<RunningQuery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            queries.Add(new RunningQuery(
                reader.GetInt32(0),
                NullIfEmpty(reader, 1),
                NullIfEmpty(reader, 2),
                NullIfEmpty(reader, 3),
                Math.Round(reader.GetDouble(4), 1),
                reader.IsDBNull(5) ? string.Empty : reader.GetString(5)));
        }

        return queries;
    }

    private static async Task<double?> ReadCacheHitRatioAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = "SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()";
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var (hits, reads) = (reader.GetInt64(0), reader.GetInt64(1));
        return hits + reads == 0 ? null : Math.Round(100.0 * hits / (hits + reads), 2);
    }

    private static async Task<SlowStatements> ReadSlowStatementsAsync(
        NpgsqlConnection connection, DatabaseInsightOptions settings, CancellationToken cancellationToken)
    {
        await using (var probe = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1)", connection))
        {
            probe.Parameters.Add(new() { Value = StatementsExtension });
            if (await probe.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return new SlowStatements(false, $"{StatementsExtension} is not installed in this database: run CREATE EXTENSION {StatementsExtension}; the server must also load it (shared_preload_libraries).", []);
            }
        }

        const string sql = """
            SELECT calls, mean_exec_time, max_exec_time, total_exec_time, rows, left(query, $1)
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY mean_exec_time DESC
            LIMIT $2
            """;
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters = { new() { Value = settings.QueryTextLength }, new() { Value = settings.ListLimit } },
        };
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var statements = new List<StatementStats>();
            while (await reader.ReadAsync(cancellationToken))
            {
                statements.Add(new StatementStats(
                    reader.GetInt64(0),
                    Math.Round(reader.GetDouble(1), 3),
                    Math.Round(reader.GetDouble(2), 3),
                    Math.Round(reader.GetDouble(3), 3),
                    reader.GetInt64(4),
                    reader.IsDBNull(5) ? string.Empty : reader.GetString(5)));
            }

            return new SlowStatements(true, null, statements);
        }
        catch (PostgresException e) when (e.SqlState == NotPreloaded)
        {
            return new SlowStatements(false, $"{StatementsExtension} is installed but the server does not load it: add it to shared_preload_libraries and restart PostgreSQL.", []);
        }
    }

    private static string? NullIfEmpty(NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) || reader.GetString(ordinal).Length == 0 ? null : reader.GetString(ordinal);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Database insight read: pool {InUse}/{Max} in use, {LongQueries} long queries, cache hit ratio {HitRatio}%, {Warnings} warnings")]
    private static partial void LogRead(ILogger logger, int? inUse, int? max, int longQueries, double? hitRatio, int warnings);
}
