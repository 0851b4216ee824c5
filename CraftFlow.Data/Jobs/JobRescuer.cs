using Microsoft.Extensions.Logging;

namespace CraftFlow.Data.Jobs;

/// <summary>
/// Every <see cref="JobQueueOptions.RescueInterval"/>, hands jobs whose lease expired to the next worker. Every
/// Worker process runs one; the statement skips rows another rescuer holds, so they never fight.
/// </summary>
public sealed partial class JobRescuer(JobQueue queue, JobNotificationListener? listener, TimeProvider timeProvider, ILogger<JobRescuer> logger)
{
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(queue.Options.RescueInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var rescued = await queue.RescueExpiredAsync(stoppingToken);
                    if (rescued > 0)
                    {
                        LogRescued(logger, rescued);
                        JobTelemetry.RecordRescued(rescued);
                        foreach (var name in JobQueues.All)
                        {
                            listener?.Wake(name);
                        }
                    }
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    LogRescueFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rescued {Count} jobs whose worker stopped heartbeating")]
    private static partial void LogRescued(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for expired job leases failed; trying again next interval")]
    private static partial void LogRescueFailed(ILogger logger, Exception exception);
}
