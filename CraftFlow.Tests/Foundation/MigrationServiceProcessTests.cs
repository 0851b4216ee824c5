using CraftFlow.Data.Schema;
using CraftFlow.Tests.Infrastructure;
using Npgsql;

namespace CraftFlow.Tests.Foundation;

/// <summary>The migration service as the AppHost and Railway run it: a process whose exit code matters.</summary>
public sealed class MigrationServiceProcessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Two_instances_started_at_once_both_exit_0_with_six_valid_indexes()
    {
        var first = Migrations.RunServiceAsync(database.ConnectionString);
        var second = Migrations.RunServiceAsync(database.ConnectionString);
        var results = await Task.WhenAll(first, second);

        Assert.All(results, result => Assert.True(result.ExitCode == 0, result.Output));
        await using var connection = await database.OpenConnectionAsync();
        var states = await DatabaseMigrator.ReadIndexStatesAsync(connection, CancellationToken.None);
        Assert.All(states, state => Assert.True(state.IsValid, state.Name));
        Assert.Contains("idx_design_images_hash_lookup", results[0].Output + results[1].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_that_does_not_exist_yet_is_created_and_migrated()
    {
        var name = $"test_{Guid.NewGuid():N}";
        try
        {
            var result = await Migrations.RunServiceAsync(database.Server.ConnectionString(name));

            Assert.True(result.ExitCode == 0, result.Output);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await database.Server.ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    [Fact]
    public async Task Rollback_flag_drops_the_indexes_and_exits_0()
    {
        Assert.Equal(0, (await Migrations.RunServiceAsync(database.ConnectionString)).ExitCode);

        var result = await Migrations.RunServiceAsync(database.ConnectionString, null, "--rollback-indexes");

        Assert.True(result.ExitCode == 0, result.Output);
        await using var connection = await database.OpenConnectionAsync();
        var states = await DatabaseMigrator.ReadIndexStatesAsync(connection, CancellationToken.None);
        Assert.All(states, state => Assert.False(state.Exists, state.Name));
    }

    [Fact]
    public async Task Unreachable_database_exits_non_zero_naming_the_host()
    {
        var port = CraftFlow.AppHost.Resources.FreePort.Next();

        var result = await Migrations.RunServiceAsync(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=craftflowdb",
            new Dictionary<string, string> { ["Migration__ConnectDeadline"] = "00:00:02" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", result.Output, StringComparison.Ordinal);
    }
}
