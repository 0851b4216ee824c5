using CraftFlow.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CraftFlow.Tests.Infrastructure;

/// <summary>A database of its own for one test class, dropped when the class is done.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    public TestPostgres.Server Server { get; private set; } = null!;

    public string DatabaseName { get; } = $"test_{Guid.NewGuid():N}";

    public string ConnectionString => Server.ConnectionString(DatabaseName);

    public virtual async Task InitializeAsync()
    {
        Server = await TestPostgres.GetAsync();
        await Server.ExecuteAsync($"CREATE DATABASE \"{DatabaseName}\"");
    }

    public virtual async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Server.ExecuteAsync($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)");
    }

    public CraftFlowDbContext CreateDbContext()
    {
        var options = new DbContextOptionsBuilder<CraftFlowDbContext>();
        DataServiceExtensions.ConfigureDbContext(options, DatabaseConnection.ApplyDefaults(ConnectionString));
        return new CraftFlowDbContext(options.Options);
    }

    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A fresh database name on the same server, for tests that need more than one.</summary>
    public async Task<string> CreateExtraDatabaseAsync()
    {
        var name = $"test_{Guid.NewGuid():N}";
        await Server.ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return name;
    }
}
