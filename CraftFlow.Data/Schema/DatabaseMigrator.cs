using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CraftFlow.Data.Schema;

/// <summary>
/// Brings a database to the current schema: EF Core migrations, then the performance indexes built
/// concurrently. Used by CraftFlow.MigrationService, and by the API when MIGRATION_MODE=startup.
/// </summary>
public sealed partial class DatabaseMigrator(
    IDbContextFactory<CraftFlowDbContext> contextFactory,
    IOptions<MigrationOptions> options,
    TimeProvider timeProvider,
    ILogger<DatabaseMigrator> logger)
{
    // An arbitrary constant shared by every CraftFlow process: holders of this advisory lock run migrations.
    private const long MigrationLockKey = 0x43726166_74466C6F; // "CraftFlo"

    private const string InvalidCatalogName = "3D000";

    private readonly MigrationOptions _options = options.Value;

    /// <summary>Applies migrations and the performance indexes; returns the verified index states.</summary>
    public async Task<IReadOnlyList<IndexState>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var connectionString = context.Database.GetConnectionString()!;
        if (!await WaitForServerAsync(connectionString, cancellationToken))
        {
            await CreateDatabaseAsync(connectionString, cancellationToken);
        }

        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using (await AdvisoryLock.AcquireAsync(connection, MigrationLockKey, timeProvider, cancellationToken))
        {
            var pending = await context.Database.GetPendingMigrationsAsync(cancellationToken);
            if (pending.Any())
            {
                LogApplyingMigrations(string.Join(", ", pending));
                await context.Database.MigrateAsync(cancellationToken);
            }

            foreach (var index in PerformanceIndex.All)
            {
                await EnsureIndexAsync(connection, index, cancellationToken);
            }

            return await VerifyIndexesAsync(connection, cancellationToken);
        }
    }

    /// <summary>Drops the performance indexes (the seed guide's downgrade).</summary>
    public async Task RollbackIndexesAsync(CancellationToken cancellationToken)
    {
        await using var context = await contextFactory.CreateDbContextAsync(cancellationToken);
        var connectionString = context.Database.GetConnectionString()!;
        await WaitForServerAsync(connectionString, cancellationToken);
        await using var connection = await OpenAsync(connectionString, cancellationToken);
        await using (await AdvisoryLock.AcquireAsync(connection, MigrationLockKey, timeProvider, cancellationToken))
        {
            foreach (var index in PerformanceIndex.All)
            {
                await ExecuteAsync(connection, index.DropSql, cancellationToken);
                LogDroppedIndex(index.Name);
            }
        }
    }

    public static async Task<IReadOnlyList<IndexState>> ReadIndexStatesAsync(
        NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT i.indexname, i.tablename, i.indexdef, x.indisvalid
            FROM pg_indexes i
            JOIN pg_class c ON c.relname = i.indexname
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
            JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = current_schema() AND i.indexname = ANY(@names)
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("names", PerformanceIndex.All.Select(i => i.Name).ToArray());
        var found = new Dictionary<string, IndexState>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                found[reader.GetString(0)] = new IndexState(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3));
            }
        }

        return PerformanceIndex.All
            .Select(index => found.GetValueOrDefault(index.Name) ?? new IndexState(index.Name, index.Table, null, false))
            .ToList();
    }

    private async Task EnsureIndexAsync(NpgsqlConnection connection, PerformanceIndex index, CancellationToken cancellationToken)
    {
        var state = (await ReadIndexStatesAsync(connection, cancellationToken)).Single(s => s.Name == index.Name);
        if (state is { Exists: true, IsValid: true })
        {
            LogIndexPresent(index.Name);
            return;
        }

        if (state.Exists)
        {
            // An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT EXISTS would keep.
            LogRebuildingInvalidIndex(index.Name);
            await ExecuteAsync(connection, index.DropSql, cancellationToken);
        }

        var started = timeProvider.GetTimestamp();
        await ExecuteAsync(connection, index.CreateSql, cancellationToken);
        LogIndexCreated(index.Name, timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<IReadOnlyList<IndexState>> VerifyIndexesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var states = await ReadIndexStatesAsync(connection, cancellationToken);
        foreach (var state in states)
        {
            LogIndexState(state.Table, state.Name, state.IsValid ? "valid" : state.Exists ? "INVALID" : "missing", state.Definition);
        }

        var broken = states.Where(s => !s.IsValid).Select(s => s.Name).ToList();
        if (broken.Count > 0)
        {
            throw new InvalidOperationException($"Performance indexes not valid after migration: {string.Join(", ", broken)}");
        }

        return states;
    }

    /// <summary>Waits until the server answers; returns whether the database exists.</summary>
    private async Task<bool> WaitForServerAsync(string connectionString, CancellationToken cancellationToken)
    {
        var host = DescribeHost(connectionString);
        var started = timeProvider.GetTimestamp();
        var delay = _options.InitialRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenAsync(connectionString, cancellationToken);
                return true;
            }
            catch (PostgresException e) when (e.SqlState == InvalidCatalogName)
            {
                return false;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                var waited = timeProvider.GetElapsedTime(started);
                if (waited + delay > _options.ConnectDeadline)
                {
                    throw new DatabaseUnreachableException(host, waited, e);
                }

                LogDatabaseUnreachable(host, attempt, delay.TotalSeconds, e.Message);
                await Task.Delay(delay, timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    /// <summary>Creates the database from the maintenance database; a concurrent creator winning is fine.</summary>
    private async Task CreateDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" };
        await using var connection = await OpenAsync(maintenance.ConnectionString, cancellationToken);
        try
        {
            var name = new NpgsqlCommandBuilder().QuoteIdentifier(target.Database!);
            await ExecuteAsync(connection, $"CREATE DATABASE {name}", cancellationToken);
            LogDatabaseCreated(target.Database!);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another migrator created it first.
        }
    }

    private static string DescribeHost(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        // Index builds can take minutes on a large table: no command timeout, and no pooling so
        // the session (and its advisory lock) ends with the connection.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0, Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database}")]
    private partial void LogDatabaseCreated(string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying migrations: {Migrations}")]
    private partial void LogApplyingMigrations(string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index {Index} already present and valid")]
    private partial void LogIndexPresent(string index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index {Index} is INVALID (an interrupted concurrent build); dropping and rebuilding it")]
    private partial void LogRebuildingInvalidIndex(string index);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created index {Index} concurrently in {ElapsedMs:0} ms")]
    private partial void LogIndexCreated(string index, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped index {Index}")]
    private partial void LogDroppedIndex(string index);

    [LoggerMessage(Level = LogLevel.Information, Message = "pg_indexes: {Table}.{Index} {State}: {Definition}")]
    private partial void LogIndexState(string table, string index, string state, string? definition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {Host} unreachable (attempt {Attempt}); retrying in {DelaySeconds:0.0} s: {Error}")]
    private partial void LogDatabaseUnreachable(string host, int attempt, double delaySeconds, string error);
}
