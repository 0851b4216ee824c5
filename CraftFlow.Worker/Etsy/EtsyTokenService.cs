using System.Globalization;
using System.Security.Cryptography;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Etsy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftFlow.Worker.Etsy;

/// <summary>A connection's shop and the access token to call Etsy with; the token changes when it is refreshed.</summary>
public sealed class EtsyAccess(Guid connectionId, long shopId, string accessToken)
{
    public Guid ConnectionId { get; } = connectionId;

    public long ShopId { get; } = shopId;

    public string AccessToken { get; internal set; } = accessToken;
}

/// <summary>The connection cannot be used until the seller reconnects; <see cref="Exception.Message"/> says why.</summary>
public sealed class EtsyConnectionInactiveException(string reason) : Exception(reason);

/// <summary>
/// Hands out a connection's access token and refreshes it. A refresh holds the connection's row lock while it asks
/// Etsy, so the maintenance job and a publishing job never spend one refresh token twice; whoever waited re-reads
/// the row and uses the tokens the other stored. A refresh Etsy refuses marks the connection inactive with a reason.
/// </summary>
public sealed partial class EtsyTokenService(
    IDbContextFactory<CraftFlowDbContext> contexts,
    EtsyClient etsy,
    EtsySecretProtector secrets,
    IOptions<EtsyOptions> options,
    TimeProvider timeProvider,
    ILogger<EtsyTokenService> logger)
{
    /// <summary>A token this close to expiry is refreshed before use, so it cannot expire mid-job.</summary>
    private static readonly TimeSpan UseMargin = TimeSpan.FromMinutes(1);

    public async Task<EtsyAccess> GetAccessAsync(Guid connectionId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = await db.PlatformConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Id == connectionId, cancellationToken)
            ?? throw new EtsyConnectionInactiveException("The Etsy connection no longer exists.");
        EnsureUsable(connection);
        if (connection.TokenExpiresAt > timeProvider.GetUtcNow() + UseMargin)
        {
            try
            {
                return new EtsyAccess(connection.Id, ShopIdOf(connection), Decrypt(connection.AccessTokenEncrypted!));
            }
            catch (EtsyConnectionInactiveException e)
            {
                // Undecryptable tokens: say so on the connection, where the seller looks.
                await db.PlatformConnections.Where(c => c.Id == connectionId && c.IsActive)
                    .ExecuteUpdateAsync(set => set.SetProperty(c => c.IsActive, false).SetProperty(c => c.InactiveReason, e.Message), cancellationToken);
                LogDeactivated(connectionId, e.Message);
                throw;
            }
        }

        return await RefreshAsync(connectionId, RefreshTrigger.Expiring, null, cancellationToken)
            ?? throw new InvalidOperationException("A refresh that waits for the row lock always has an outcome.");
    }

    /// <summary>After Etsy answered 401 to <paramref name="access"/>'s token: refresh, unless another job already did.</summary>
    public async Task RefreshRejectedAsync(EtsyAccess access, CancellationToken cancellationToken)
    {
        var refreshed = await RefreshAsync(access.ConnectionId, RefreshTrigger.Rejected, access.AccessToken, cancellationToken);
        access.AccessToken = refreshed!.AccessToken;
    }

    /// <summary>The maintenance job's refresh: skips a connection another process is refreshing right now.</summary>
    public Task<EtsyAccess?> RefreshExpiringAsync(Guid connectionId, CancellationToken cancellationToken)
        => RefreshAsync(connectionId, RefreshTrigger.Maintenance, null, cancellationToken);

    private async Task<EtsyAccess?> RefreshAsync(Guid connectionId, RefreshTrigger trigger, string? rejectedToken, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (trigger == RefreshTrigger.Maintenance
            ? await db.PlatformConnections.FromSql($"SELECT *, xmin FROM platform_connections WHERE id = {connectionId} FOR UPDATE SKIP LOCKED").ToListAsync(cancellationToken)
            : await db.PlatformConnections.FromSql($"SELECT *, xmin FROM platform_connections WHERE id = {connectionId} FOR UPDATE").ToListAsync(cancellationToken))
            .SingleOrDefault();
        if (connection is null)
        {
            return trigger == RefreshTrigger.Maintenance ? null : throw new EtsyConnectionInactiveException("The Etsy connection no longer exists.");
        }

        if (trigger == RefreshTrigger.Maintenance && (!connection.IsActive || connection.AccessTokenEncrypted is null))
        {
            return null;
        }

        EnsureUsable(connection);
        var now = timeProvider.GetUtcNow();
        string current, refreshToken;
        try
        {
            current = Decrypt(connection.AccessTokenEncrypted!);
            refreshToken = connection.RefreshTokenEncrypted is { } encrypted ? Decrypt(encrypted) : string.Empty;
        }
        catch (EtsyConnectionInactiveException e)
        {
            await DeactivateAsync(db, connection, e.Message, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            throw;
        }

        var stillFresh = trigger switch
        {
            // Someone refreshed while we waited for the lock.
            RefreshTrigger.Maintenance => connection.TokenExpiresAt > now + options.Value.TokenRefreshWindow,
            RefreshTrigger.Expiring => connection.TokenExpiresAt > now + UseMargin,
            _ => !string.Equals(current, rejectedToken, StringComparison.Ordinal),
        };
        if (stillFresh)
        {
            return new EtsyAccess(connection.Id, ShopIdOf(connection), current);
        }

        if (refreshToken.Length == 0)
        {
            await DeactivateAsync(db, connection, "There is no refresh token; reconnect the shop.", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            throw new EtsyConnectionInactiveException(connection.InactiveReason!);
        }

        EtsyTokenResponse tokens;
        try
        {
            tokens = await etsy.RefreshAsync(refreshToken, cancellationToken);
        }
        catch (EtsyApiException e) when (EtsyFailures.IsRefusal(e) || e.IsUnauthorized)
        {
            await DeactivateAsync(db, connection, $"Etsy refused to refresh the access token ({e.EtsyError}); reconnect the shop.", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            throw new EtsyConnectionInactiveException(connection.InactiveReason!);
        }

        connection.AccessTokenEncrypted = secrets.ProtectToken(tokens.AccessToken);
        connection.RefreshTokenEncrypted = secrets.ProtectToken(tokens.RefreshToken);
        connection.TokenExpiresAt = now.AddSeconds(tokens.ExpiresIn);
        connection.TokenRefreshedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRefreshed(connection.Id, trigger, connection.TokenExpiresAt.Value);
        return new EtsyAccess(connection.Id, ShopIdOf(connection), tokens.AccessToken);
    }

    private async Task DeactivateAsync(CraftFlowDbContext db, PlatformConnection connection, string reason, CancellationToken cancellationToken)
    {
        connection.IsActive = false;
        connection.InactiveReason = reason;
        await db.SaveChangesAsync(cancellationToken);
        LogDeactivated(connection.Id, reason);
    }

    private static void EnsureUsable(PlatformConnection connection)
    {
        if (!connection.IsActive || connection.AccessTokenEncrypted is null)
        {
            throw new EtsyConnectionInactiveException(connection.InactiveReason ?? "The Etsy connection is inactive; reconnect the shop.");
        }
    }

    private static long ShopIdOf(PlatformConnection connection)
        => long.Parse(connection.ShopId ?? throw new EtsyConnectionInactiveException("The connection has no shop."), CultureInfo.InvariantCulture);

    private string Decrypt(string encrypted)
    {
        try
        {
            return secrets.UnprotectToken(encrypted);
        }
        catch (CryptographicException)
        {
            // The key ring lost its key (a wiped data_protection_keys table): only the seller can mend this.
            throw new EtsyConnectionInactiveException("The stored Etsy tokens cannot be decrypted on this server; reconnect the shop.");
        }
    }

    private enum RefreshTrigger
    {
        Maintenance,
        Expiring,
        Rejected,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Etsy tokens of connection {ConnectionId} refreshed ({Trigger}); the access token now expires at {ExpiresAt}")]
    private partial void LogRefreshed(Guid connectionId, RefreshTrigger trigger, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Etsy connection {ConnectionId} marked inactive: {Reason}")]
    private partial void LogDeactivated(Guid connectionId, string reason);
}
