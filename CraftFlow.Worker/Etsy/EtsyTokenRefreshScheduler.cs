using CraftFlow.Data.Jobs;
using CraftFlow.Etsy;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker.Etsy;

/// <summary>
/// Keeps a refresh_etsy_tokens job on the maintenance queue every refresh interval; its unique key keeps one pending
/// however many Workers run. Idle when Etsy is not configured.
/// </summary>
public sealed partial class EtsyTokenRefreshScheduler(
    JobQueue queue, IOptions<EtsyOptions> options, TimeProvider timeProvider, ILogger<EtsyTokenRefreshScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.IsConfigured)
        {
            LogDisabled(string.Join(", ", options.Value.MissingSettings));
            return;
        }

        using var timer = new PeriodicTimer(options.Value.TokenRefreshInterval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await queue.EnqueueAsync(RefreshEtsyTokensHandler.CreateJob(), stoppingToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    LogScheduleFailed(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Etsy token refresh is off: {Missing} not set")]
    private partial void LogDisabled(string missing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not schedule the Etsy token refresh; trying again next interval")]
    private partial void LogScheduleFailed(Exception exception);
}
