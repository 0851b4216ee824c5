using CraftFlow.Data;
using CraftFlow.Data.Jobs;
using CraftFlow.Etsy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker.Etsy;

/// <summary>
/// Refreshes the access tokens of active connections that expire within the refresh window, found through
/// idx_platform_connections_expiry (token_expires_at, is_active). A refresh Etsy refuses marks that connection
/// inactive and the job goes on with the others; an outage leaves the rest for the next run.
/// </summary>
public sealed partial class RefreshEtsyTokensHandler(
    IDbContextFactory<CraftFlowDbContext> contexts,
    EtsyTokenService tokens,
    IOptions<EtsyOptions> options,
    TimeProvider timeProvider,
    ILogger<RefreshEtsyTokensHandler> logger) : IJobHandler
{
    public const string JobKind = "refresh_etsy_tokens";

    private const int BatchSize = 100;

    public string Kind => JobKind;

    public static NewJob CreateJob() => new(JobQueues.Maintenance, JobKind, "{}") { UniqueKey = $"{JobQueues.Maintenance}:{JobKind}", Priority = 5 };

    public async Task HandleAsync(Job job, CancellationToken cancellationToken)
    {
        var due = timeProvider.GetUtcNow() + options.Value.TokenRefreshWindow;
        List<Guid> expiring;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            expiring = await db.PlatformConnections.AsNoTracking()
                .Where(c => c.TokenExpiresAt != null && c.TokenExpiresAt < due && c.IsActive)
                .OrderBy(c => c.TokenExpiresAt)
                .Select(c => c.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
        }

        int refreshed = 0, deactivated = 0;
        foreach (var connectionId in expiring)
        {
            try
            {
                if (await tokens.RefreshExpiringAsync(connectionId, cancellationToken) is not null)
                {
                    refreshed++;
                }
            }
            catch (EtsyConnectionInactiveException)
            {
                deactivated++;
            }
        }

        LogRun(expiring.Count, refreshed, deactivated);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Etsy token refresh: {Due} connections due, {Refreshed} refreshed, {Deactivated} marked inactive")]
    private partial void LogRun(int due, int refreshed, int deactivated);
}
