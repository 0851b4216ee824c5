using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CraftFlow.AppHost.Resources;

/// <summary>
/// <c>AddLocalPostgres(...).AddDatabase(...)</c> and <c>AddLocalRedis(...)</c>: Aspire executable resources over the
/// local server binaries, shaped like Aspire's container resources (connection strings, health checks, so that
/// <c>WaitFor</c> means ready), for machines where no container runtime answers.
/// </summary>
public static class LocalServerBuilderExtensions
{
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string dataDirectory, bool durable)
    {
        var bin = LocalPostgres.RequireBinDirectory();
        var resource = new LocalPostgresResource(name, LocalPostgres.ServerExecutable(bin), builder.AppHostDirectory, dataDirectory);

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => (connectionString ?? throw new InvalidOperationException($"{name} has no connection string yet.")) + ";Database=postgres",
            name: healthCheckKey);

        return builder.AddResource(resource)
            .WithEndpoint(name: LocalPostgresResource.EndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                foreach (var argument in LocalPostgres.ServerCommand(bin, dataDirectory, resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort), durable).Arguments)
                {
                    context.Args.Add(argument);
                }
            })
            .OnBeforeResourceStarted((_, _, cancellationToken) => LocalPostgres.InitialiseAsync(bin, dataDirectory, cancellationToken))
            .OnConnectionStringAvailable(async (server, _, cancellationToken) =>
                connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .OnResourceReady((server, @event, cancellationToken) =>
                CreateDatabasesAsync(server, connectionString!, @event.Services.GetRequiredService<ResourceNotificationService>(), cancellationToken))
            .WithHealthCheck(healthCheckKey)
            .WithServerFailureReport()
            .WithIconName("DatabaseMultiple");
    }

    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresResource> server, [ResourceName] string name)
    {
        var database = new LocalPostgresDatabaseResource(name, name, server.Resource);
        server.Resource.Databases.Add(database);

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"{name} has no connection string yet."), name: healthCheckKey);

        server.OnConnectionStringAvailable(async (_, _, cancellationToken) =>
            connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken));
        return server.ApplicationBuilder.AddResource(database)
            .WithParentRelationship(server)
            .OnInitializeResource((db, @event, cancellationToken) => FollowServerAsync(db, @event.Notifications, cancellationToken))
            .WithHealthCheck(healthCheckKey)
            .WithIconName("Database");
    }

    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(
        this IDistributedApplicationBuilder builder, [ResourceName] string name, string executable, string dataDirectory)
    {
        var resource = new LocalRedisResource(name, executable, builder.AppHostDirectory);

        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException($"{name} has no connection string yet."), name: healthCheckKey);

        return builder.AddResource(resource)
            .WithEndpoint(name: LocalRedisResource.EndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                foreach (var argument in LocalRedis.ServerArguments(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort), dataDirectory, persistent: true))
                {
                    context.Args.Add(argument);
                }
            })
            .OnBeforeResourceStarted((_, _, _) =>
            {
                Directory.CreateDirectory(dataDirectory);
                return Task.CompletedTask;
            })
            .OnConnectionStringAvailable(async (redis, _, cancellationToken) =>
                connectionString = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(healthCheckKey)
            .WithServerFailureReport()
            .WithIconName("Memory");
    }

    private static async Task CreateDatabasesAsync(
        LocalPostgresResource server, string connectionString, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Database=postgres");
        await connection.OpenAsync(cancellationToken);
        foreach (var database in server.Databases)
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
            {
                Parameters = { new NpgsqlParameter { Value = database.DatabaseName } },
            };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(database.DatabaseName);
                await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            database.Created = true;
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with { State = KnownResourceStates.Running });
        }
    }

    /// <summary>
    /// Aspire copies a parent's state onto its children only for container parents; a database on an executable
    /// server would stay "Unknown" and <c>WaitFor</c> on it would never end. The database follows its server, but
    /// counts as running only once the server is ready and the database exists; a server that ends before that
    /// makes the database <c>FailedToStart</c>, so whatever waits for it fails too instead of waiting for ever.
    /// </summary>
    private static async Task FollowServerAsync(
        LocalPostgresDatabaseResource database, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                if (!ReferenceEquals(update.Resource, database.Server))
                {
                    continue;
                }

                var server = update.Snapshot;
                var ended = KnownResourceStates.TerminalStates.Contains(server.State?.Text);
                var state = ended
                    ? (database.Created ? server.State : KnownResourceStates.FailedToStart)
                    : (database.Created ? KnownResourceStates.Running : KnownResourceStates.Starting);
                await notifications.PublishUpdateAsync(database, snapshot => snapshot with
                {
                    State = state,
                    StartTimeStamp = server.StartTimeStamp,
                    StopTimeStamp = server.StopTimeStamp,
                    ExitCode = server.ExitCode,
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }
}
