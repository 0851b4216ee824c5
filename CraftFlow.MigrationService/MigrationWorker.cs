using CraftFlow.Data.Schema;

namespace CraftFlow.MigrationService;

/// <summary>Runs the migration once and stops the host; the exit code tells the AppHost (or Railway) how it went.</summary>
public sealed partial class MigrationWorker(
    DatabaseMigrator migrator,
    MigrationCommand command,
    IHostApplicationLifetime lifetime,
    ILogger<MigrationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (command.RollbackIndexes)
            {
                await migrator.RollbackIndexesAsync(stoppingToken);
                LogRolledBack();
            }
            else
            {
                var indexes = await migrator.MigrateAsync(stoppingToken);
                LogMigrated(indexes.Count);
            }

            Environment.ExitCode = 0;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Environment.ExitCode = 2;
        }
        catch (Exception e)
        {
            LogFailed(e, e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration complete: schema current, {Count} performance indexes valid")]
    private partial void LogMigrated(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Performance indexes dropped")]
    private partial void LogRolledBack();

    [LoggerMessage(Level = LogLevel.Critical, Message = "Migration failed: {Reason}")]
    private partial void LogFailed(Exception exception, string reason);
}
