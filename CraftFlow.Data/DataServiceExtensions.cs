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
    /// Registers a pooled <see cref="CraftFlowDbContext"/> on <c>ConnectionStrings:craftflowdb</c> and a
    /// "database" health check: what Aspire.Npgsql.EntityFrameworkCore.PostgreSQL would do.
    /// </summary>
    public static IHostApplicationBuilder AddCraftFlowDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = DatabaseConnection.Read(builder.Configuration);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TimestampInterceptor>();
        // EF Core and the raw SQL paths (job queue, postgres blob store) share one connection pool.
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddPooledDbContextFactory<CraftFlowDbContext>((services, options) =>
            ConfigureDbContext(options, services.GetRequiredService<NpgsqlDataSource>())
                .AddInterceptors(services.GetRequiredService<TimestampInterceptor>()));
        builder.Services.AddScoped(services =>
            services.GetRequiredService<IDbContextFactory<CraftFlowDbContext>>().CreateDbContext());

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
