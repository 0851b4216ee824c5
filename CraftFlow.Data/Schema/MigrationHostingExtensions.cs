using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CraftFlow.Data.Schema;

public static class MigrationHostingExtensions
{
    public static IHostApplicationBuilder AddDatabaseMigrator(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MigrationOptions>().BindConfiguration(MigrationOptions.SectionName)
            .Validate(o => o.ConnectDeadline > TimeSpan.Zero && o.InitialRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.InitialRetryDelay,
                "Migration deadlines and delays must be positive, and MaxRetryDelay at least InitialRetryDelay.")
            .ValidateOnStart();
        builder.Services.AddSingleton<DatabaseMigrator>();
        return builder;
    }

    /// <summary>With MIGRATION_MODE=startup, migrates before the service serves its first request.</summary>
    public static async Task MigrateIfStartupModeAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        if (host.Services.GetRequiredService<IOptions<MigrationOptions>>().Value.Mode == MigrationMode.Startup)
        {
            await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        }
    }
}
