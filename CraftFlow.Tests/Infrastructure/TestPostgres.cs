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

    private const string DirectoryPrefix = "craftflow-tests-pg-";

    private static readonly Lazy<Task<Server>> Shared = new(StartAsync);

    public static Task<Server> GetAsync() => Shared.Value;

    /// <summary>
    /// Tells the server this run started, if any, to shut down, without waiting: the test host may be ended
    /// moments later. Its directory is removed by the next run's <see cref="ReapAbandonedServersAsync"/>.
    /// </summary>
    public static void SignalShutdown()
    {
        if (Shared.IsValueCreated && Shared.Value.IsCompletedSuccessfully && Shared.Value.Result.Process is { } postgres)
        {
            postgres.SignalShutdown();
        }
    }

    private static async Task<Server> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ExternalServerVariable) is { Length: > 0 } external)
        {
            return new Server(external, null);
        }

        await ReapAbandonedServersAsync();
        var directory = Path.Combine(Path.GetTempPath(), $"{DirectoryPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        var postgres = await PostgresServer.StartAsync(directory, durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => SignalShutdown();
        return new Server(postgres.ConnectionString("postgres"), postgres);
    }

    /// <summary>
    /// Stops and removes servers of earlier runs whose test process is gone: a test host that is killed
    /// runs neither xunit's end-of-run hook nor its process-exit handlers.
    /// </summary>
    private static async Task ReapAbandonedServersAsync()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            var owner = Path.GetFileName(directory)[DirectoryPrefix.Length..].Split('-')[0];
            if (int.TryParse(owner, out var pid) && !IsRunning(pid))
            {
                await PostgresServer.StopAbandonedAsync(directory);
                TryDelete(directory);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
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
