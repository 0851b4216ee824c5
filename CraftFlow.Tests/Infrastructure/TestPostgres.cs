using CraftFlow.AppHost.Resources;
using Npgsql;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for the whole test run, started on first use with the AppHost's resource code
/// (the way Aspire.Hosting.Testing starts an AppHost's resources), unless CRAFTFLOW_TEST_POSTGRES names
/// a server that already runs. Each test class gets its own database from <see cref="DatabaseFixture"/>.
/// </summary>
public static class TestPostgres
{
    public const string ExternalServerVariable = "CRAFTFLOW_TEST_POSTGRES";

    private static readonly Lazy<Task<Server>> Shared = new(StartAsync);

    public static Task<Server> GetAsync() => Shared.Value;

    /// <summary>Stops the server this run started, if it started one; safe to call twice.</summary>
    public static async Task StopAsync()
    {
        if (Shared.IsValueCreated && Shared.Value.IsCompletedSuccessfully && Shared.Value.Result.Process is { } postgres)
        {
            await postgres.StopAsync();
            TryDelete(postgres.DataDirectory);
        }
    }

    private static async Task<Server> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ExternalServerVariable) is { Length: > 0 } external)
        {
            return new Server(external, null);
        }

        var directory = Path.Combine(Path.GetTempPath(), $"craftflow-tests-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var postgres = await PostgresServer.StartAsync(directory, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().GetAwaiter().GetResult();
        return new Server(postgres.ConnectionString("postgres"), postgres);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A reachable server: its maintenance connection string and, when we started it, the process.</summary>
    public sealed record Server(string MaintenanceConnectionString, PostgresServer? Process)
    {
        public string ConnectionString(string database)
            => new NpgsqlConnectionStringBuilder(MaintenanceConnectionString) { Database = database }.ConnectionString;

        public async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(MaintenanceConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
