using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CraftFlow.Data;

public static class DataServiceExtensions
{
    /// <summary>
    /// PostgreSQL through Aspire's client integrations: an <see cref="NpgsqlDataSource"/> on
    /// <c>ConnectionStrings:craftflowdb</c> (<c>AddNpgsqlDataSource</c>, with Npgsql's tracing and metrics) and a pooled
    /// <see cref="CraftFlowDbContext"/> enriched by <c>EnrichNpgsqlDbContext</c>, plus a "database" health check.
    /// <c>AddNpgsqlDbContext</c> would give EF a connection pool of its own beside the data source that the job queue,
    /// the blob store and the handlers' SQL use; registering the context on that data source keeps one pool per
    /// process, the seed guide's 30 connections.
    /// </summary>
    public static IHostApplicationBuilder AddCraftFlowDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = DatabaseConnection.Read(builder.Configuration);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TimestampInterceptor>();
        builder.AddNpgsqlDataSource(DatabaseConnection.Name, settings =>
        {
            settings.ConnectionString = connectionString;

            // The "database" check below covers it, under the name /health reports.
            settings.DisableHealthChecks = true;
        }, dataSource => dataSource.ConfigureTracing(tracing => tracing
            // A statement outside any span is background upkeep (the queue's claim polls, leases, LISTEN, health probes
            // whose requests are not traced): a trace a second per process that would bury the requests and jobs.
            .ConfigureCommandFilter(_ => Activity.Current is not null)
            .ConfigureBatchFilter(_ => Activity.Current is not null)));
        builder.Services.AddPooledDbContextFactory<CraftFlowDbContext>((services, options) =>
            ConfigureDbContext(options, services.GetRequiredService<NpgsqlDataSource>())
                .AddInterceptors(services.GetRequiredService<TimestampInterceptor>()));
        builder.Services.AddScoped(services =>
            services.GetRequiredService<IDbContextFactory<CraftFlowDbContext>>().CreateDbContext());
        builder.EnrichNpgsqlDbContext<CraftFlowDbContext>(settings =>
        {
            // A retrying execution strategy refuses user-initiated transactions, and the job queue enqueues inside them.
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
        });

        builder.Services.AddHealthChecks().AddDbContextCheck<CraftFlowDbContext>("database", tags: ["ready"]);
        return builder;
    }

    public static DbContextOptionsBuilder ConfigureDbContext(DbContextOptionsBuilder options, string connectionString)
        => options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable))
            .UseSnakeCaseNamingConvention();

    public static DbContextOptionsBuilder ConfigureDbContext(DbContextOptionsBuilder options, NpgsqlDataSource dataSource)
        => options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable))
            .UseSnakeCaseNamingConvention();

    private const string MigrationsHistoryTable = "__ef_migrations_history";
}
