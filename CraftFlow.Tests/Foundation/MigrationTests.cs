using CraftFlow.Data.Schema;
using CraftFlow.Tests.Infrastructure;
using Npgsql;

namespace CraftFlow.Tests.Foundation;

public sealed class MigrationTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly string[] Tables =
    [
        "users", "user_tokens", "templates", "design_images", "mockups",
        "platform_connections", "etsy_listings", "upload_batches", "jobs",
    ];

    // What pg_indexes reports for the seed guide's definitions.
    private static readonly Dictionary<string, string> ExpectedDefinitions = new()
    {
        ["idx_design_images_user_active_hashes"] = "ON public.design_images USING btree (user_id, is_active) WHERE (phash IS NOT NULL)",
        ["idx_design_images_user_template_date"] = "ON public.design_images USING btree (user_id, template_id, is_active, created_at)",
        ["idx_platform_connections_user_active"] = "ON public.platform_connections USING btree (user_id, is_active, platform)",
        ["idx_platform_connections_expiry"] = "ON public.platform_connections USING btree (token_expires_at, is_active) WHERE (token_expires_at IS NOT NULL)",
        ["idx_design_images_hash_lookup"] = "ON public.design_images USING btree (phash, ahash, dhash, whash) WHERE (is_active = true)",
        ["idx_etsy_listings_user_active"] = "ON public.etsy_listings USING btree (user_id, is_active, created_at)",

        // Not the seed guide's: the duplicate detector's first step.
        ["idx_design_images_user_artwork"] = "ON public.design_images USING btree (user_id, is_active, artwork_key) WHERE (artwork_key IS NOT NULL)",
    };

    [Fact]
    public async Task Empty_database_gets_every_table_and_the_seed_guides_six_valid_indexes_and_the_duplicate_detectors()
    {
        var name = await database.CreateExtraDatabaseAsync();
        var connectionString = database.Server.ConnectionString(name);

        await Migrations.MigrateAsync(connectionString);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = await QueryStringsAsync(connection, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        Assert.All(Tables, table => Assert.Contains(table, tables));

        var states = await DatabaseMigrator.ReadIndexStatesAsync(connection, CancellationToken.None);
        Assert.Equal(ExpectedDefinitions.Count, states.Count);
        foreach (var state in states)
        {
            Assert.True(state.IsValid, $"{state.Name} is not valid");
            Assert.Equal($"CREATE INDEX {state.Name} {ExpectedDefinitions[state.Name]}", state.Definition);
        }
    }

    [Fact]
    public async Task Second_run_is_a_no_op()
    {
        await Migrations.MigrateAsync(database.ConnectionString);
        var before = await IndexOidsAsync();
        var historyBefore = await CountMigrationsAsync();

        await Migrations.MigrateAsync(database.ConnectionString);

        Assert.Equal(before, await IndexOidsAsync());
        Assert.Equal(historyBefore, await CountMigrationsAsync());
    }

    [Fact]
    public async Task Invalid_index_left_by_an_interrupted_build_is_dropped_and_rebuilt()
    {
        await Migrations.MigrateAsync(database.ConnectionString);
        const string victim = "idx_design_images_hash_lookup";
        await using (var connection = await database.OpenConnectionAsync())
        {
            // What a cancelled CREATE INDEX CONCURRENTLY leaves behind: the index exists but indisvalid = false.
            await ExecuteAsync(connection, $"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{victim}'::regclass");
        }

        var before = await IndexOidsAsync();
        var states = await Migrations.CreateMigrator(database.ConnectionString).MigrateAsync(CancellationToken.None);

        Assert.All(states, state => Assert.True(state.IsValid));
        var after = await IndexOidsAsync();
        Assert.NotEqual(before[victim], after[victim]);
        Assert.All(after.Where(i => i.Key != victim), i => Assert.Equal(before[i.Key], i.Value));
    }

    [Fact]
    public async Task Rollback_removes_the_performance_indexes_and_a_later_migration_restores_them()
    {
        await Migrations.MigrateAsync(database.ConnectionString);

        await Migrations.CreateMigrator(database.ConnectionString).RollbackIndexesAsync(CancellationToken.None);
        Assert.Empty(await IndexOidsAsync());

        await Migrations.MigrateAsync(database.ConnectionString);
        Assert.Equal(ExpectedDefinitions.Count, (await IndexOidsAsync()).Count);
    }

    [Fact]
    public async Task Unreachable_database_fails_after_the_deadline_naming_the_host()
    {
        var port = CraftFlow.AppHost.Resources.FreePort.Next();
        var migrator = Migrations.CreateMigrator(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=craftflowdb",
            new MigrationOptions { ConnectDeadline = TimeSpan.FromSeconds(1), InitialRetryDelay = TimeSpan.FromMilliseconds(100) });

        var error = await Assert.ThrowsAsync<DatabaseUnreachableException>(() => migrator.MigrateAsync(CancellationToken.None));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    private async Task<Dictionary<string, uint>> IndexOidsAsync()
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT relname, oid FROM pg_class WHERE relkind = 'i' AND relname = ANY(@names)", connection);
        command.Parameters.AddWithValue("names", PerformanceIndex.All.Select(i => i.Name).ToArray());
        var result = new Dictionary<string, uint>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result[reader.GetString(0)] = reader.GetFieldValue<uint>(1);
        }

        return result;
    }

    private async Task<long> CountMigrationsAsync()
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM __ef_migrations_history", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> QueryStringsAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
