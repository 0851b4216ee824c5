using CraftFlow.Data.Jobs;

namespace CraftFlow.Worker.Jobs;

/// <summary>Hosts one queue's <see cref="JobConsumer"/> for the life of the process.</summary>
public sealed class QueueConsumerService(JobConsumer consumer) : BackgroundService
{
    public JobConsumer Consumer => consumer;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => consumer.RunAsync(stoppingToken);
}

/// <summary>Hosts the process's LISTEN connection.</summary>
public sealed class JobNotificationListenerService(JobNotificationListener listener) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => listener.RunAsync(stoppingToken);
}

/// <summary>Runs the rescuer and keeps a prune job scheduled on the maintenance queue.</summary>
public sealed partial class JobMaintenanceService(
    JobRescuer rescuer, JobQueue queue, JobHandlerRegistry handlers, TimeProvider timeProvider, ILogger<JobMaintenanceService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rescuing = rescuer.RunAsync(stoppingToken);
        using var timer = new PeriodicTimer(queue.Options.PruneInterval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await queue.EnqueueAsync(Handlers.PruneJobsHandler.CreateJob(), stoppingToken);
                    if (handlers.Find(Handlers.CollectOrphanedBlobsHandler.JobKind) is not null)
                    {
                        await queue.EnqueueAsync(Handlers.CollectOrphanedBlobsHandler.CreateJob(), stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    LogScheduleFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await rescuing;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not schedule the maintenance jobs; trying again next interval")]
    private static partial void LogScheduleFailed(ILogger logger, Exception exception);
}
