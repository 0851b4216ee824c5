using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CraftFlow.Data.Schema;

public static class MigrationHostingExtensions
{
    public const string MigrationModeKey = "MIGRATION_MODE";

    public static IHostApplicationBuilder AddDatabaseMigrator(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MigrationOptions>().BindConfiguration(MigrationOptions.SectionName);
        builder.Services.AddSingleton<DatabaseMigrator>();

        var mode = builder.Configuration[MigrationModeKey] ?? "manual";
        if (mode is not ("manual" or "startup"))
        {
            throw new InvalidOperationException($"{MigrationModeKey} must be 'manual' or 'startup', got '{mode}'.");
        }

        return builder;
    }

    /// <summary>With MIGRATION_MODE=startup, migrates before the service serves its first request.</summary>
    public static async Task MigrateIfStartupModeAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        if (configuration[MigrationModeKey] == "startup")
        {
            await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        }
    }
}
