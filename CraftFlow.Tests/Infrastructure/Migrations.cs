using System.Diagnostics;
using CraftFlow.Data;
using CraftFlow.Data.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CraftFlow.Tests.Infrastructure;

public static class Migrations
{
    public static DatabaseMigrator CreateMigrator(string connectionString, MigrationOptions? options = null)
    {
        var builder = new DbContextOptionsBuilder<CraftFlowDbContext>();
        DataServiceExtensions.ConfigureDbContext(builder, DatabaseConnection.ApplyDefaults(connectionString));
        return new DatabaseMigrator(
            new PooledDbContextFactory<CraftFlowDbContext>(builder.Options),
            Options.Create(options ?? new MigrationOptions()),
            TimeProvider.System,
            NullLogger<DatabaseMigrator>.Instance);
    }

    public static Task MigrateAsync(string connectionString) => CreateMigrator(connectionString).MigrateAsync(CancellationToken.None);

    /// <summary>Runs the built CraftFlow.MigrationService as its own process, as the AppHost and Railway do.</summary>
    public static async Task<(int ExitCode, string Output)> RunServiceAsync(
        string connectionString, IDictionary<string, string>? environment = null, params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CraftFlow.MigrationService.dll");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["ConnectionStrings__craftflowdb"] = connectionString;
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        startInfo.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
