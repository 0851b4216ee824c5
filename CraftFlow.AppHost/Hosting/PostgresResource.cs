using CraftFlow.AppHost.Resources;
using Npgsql;

namespace CraftFlow.AppHost.Hosting;

/// <summary>
/// The PostgreSQL server: an external one when ConnectionStrings__{database} is configured, otherwise
/// a local cluster under the data directory.
/// </summary>
public sealed class PostgresResource(string name, AppHostOptions options, string? externalConnectionString) : Resource(name)
{
    private PostgresServer? _server;

    public string? ExternalConnectionString { get; } = externalConnectionString;

    public PostgresDatabaseResource AddDatabase(string databaseName) => new(databaseName, this);

    public string ConnectionString(string database)
    {
        if (ExternalConnectionString is not null)
        {
            return ExternalConnectionString;
        }

        return _server?.ConnectionString(database) ?? throw new InvalidOperationException($"{Name} is not running.");
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (ExternalConnectionString is not null)
        {
            var external = new NpgsqlConnectionStringBuilder(ExternalConnectionString);
            Endpoint = $"{external.Host}:{external.Port} (external)";
            SetState(ResourceState.Running);
            return;
        }

        if (PostgresServer.FindBinDirectory() is null)
        {
            var error = new AppHostException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin. "
                + "Install them (Debian: apt-get install postgresql) or point the AppHost at a server with "
                + "ConnectionStrings__craftflowdb=\"Host=…;Username=…;Password=…;Database=craftflowdb\".");
            SetFailed(error);
            throw error;
        }

        SetState(ResourceState.Starting);
        try
        {
            _server = await PostgresServer.StartAsync(Path.Combine(options.DataDirectory, "postgres"), options.Durable, cancellationToken);
        }
        catch (Exception e)
        {
            SetFailed(e);
            throw;
        }

        Endpoint = $"127.0.0.1:{_server.Port}";
        SetState(ResourceState.Running);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is null)
        {
            return;
        }

        SetState(ResourceState.Stopping);
        await _server.StopAsync();
        _server = null;
        SetState(ResourceState.Stopped);
    }
}

/// <summary>A database on a <see cref="PostgresResource"/>, created when missing (Aspire's AddDatabase).</summary>
public sealed class PostgresDatabaseResource(string name, PostgresResource server) : Resource(name), IResourceWithConnectionString
{
    public PostgresResource Server { get; } = server;

    public string? ConnectionString => State == ResourceState.Running ? Server.ConnectionString(Name) : null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        SetState(ResourceState.Waiting);
        await Server.WhenRunning;
        if (Server.ExternalConnectionString is null)
        {
            await using var connection = new NpgsqlConnection(Server.ConnectionString("postgres"));
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", Name);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        Endpoint = Server.Endpoint;
        SetState(ResourceState.Running);
    }

    public override Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
