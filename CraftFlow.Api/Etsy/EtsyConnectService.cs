using System.Security.Cryptography;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using CraftFlow.Etsy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftFlow.Api.Etsy;

/// <summary>
/// OAuth 2.0 with PKCE against Etsy: hands out an authorization URL with a single-use state, and on the callback
/// redeems the code, reads the seller's user and shop, and stores the connection with its tokens encrypted.
/// </summary>
public sealed partial class EtsyConnectService(
    CraftFlowDbContext db,
    EtsyClient etsy,
    EtsySecretProtector secrets,
    IOptions<EtsyOptions> options,
    TimeProvider timeProvider,
    ILogger<EtsyConnectService> logger)
{
    /// <summary>How long a seller has to grant access on Etsy's page.</summary>
    public static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(10);

    public async Task<AuthorizeResponse> AuthorizeAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var state = Pkce.CreateState();
        var verifier = Pkce.CreateVerifier();
        await db.EtsyOAuthStates.Where(s => s.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        db.EtsyOAuthStates.Add(new EtsyOAuthState
        {
            StateHash = Pkce.HashState(state),
            UserId = userId,
            CodeVerifierEncrypted = secrets.ProtectVerifier(verifier),
            RedirectUri = options.Value.RedirectUri!,
            CreatedAt = now,
            ExpiresAt = now + StateLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return new AuthorizeResponse(etsy.BuildAuthorizeUrl(state, Pkce.Challenge(verifier)), state);
    }

    public async Task<Results<Ok<ConnectionResponse>, ProblemHttpResult>> CompleteAsync(
        string? code, string? state, string? error, string? errorDescription, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(state))
        {
            return Reject("The state parameter is missing.");
        }

        // Read and delete in one statement: of two callbacks with one state, exactly one gets the row.
        var hash = Pkce.HashState(state);
        var pending = (await db.EtsyOAuthStates
            .FromSql($"DELETE FROM etsy_oauth_states WHERE state_hash = {hash} RETURNING *")
            .AsNoTracking()
            .ToListAsync(cancellationToken)).SingleOrDefault();
        if (pending is null)
        {
            return Reject("The state is unknown or was already used; start the connection again.");
        }

        if (pending.ExpiresAt <= timeProvider.GetUtcNow())
        {
            return Reject($"The state expired ({StateLifetime.TotalMinutes:0} minutes); start the connection again.");
        }

        if (!string.IsNullOrEmpty(error))
        {
            return Reject($"Etsy did not grant access: {errorDescription ?? error}");
        }

        if (string.IsNullOrEmpty(code))
        {
            return Reject("The code parameter is missing.");
        }

        string verifier;
        try
        {
            verifier = secrets.UnprotectVerifier(pending.CodeVerifierEncrypted);
        }
        catch (CryptographicException)
        {
            return Reject("The authorization can no longer be read on this server; start the connection again.");
        }

        try
        {
            var tokens = await etsy.ExchangeCodeAsync(code, verifier, pending.RedirectUri, cancellationToken);
            var me = await etsy.GetMeAsync(tokens.AccessToken, cancellationToken);
            if (me.ShopId is not { } shopId)
            {
                return Reject("This Etsy account has no shop to publish to.");
            }

            var shop = await etsy.GetShopAsync(shopId, tokens.AccessToken, cancellationToken);
            var connection = await StoreAsync(pending.UserId, me, shop, tokens, cancellationToken);
            LogConnected(pending.UserId, shop.ShopId, connection.Id);
            return TypedResults.Ok(ConnectionResponse.From(connection));
        }
        catch (EtsyApiException e) when (EtsyFailures.IsRefusal(e) || e.IsUnauthorized)
        {
            return Reject($"Etsy refused the authorization: {e.EtsyError}");
        }
        catch (Exception e) when (EtsyFailures.IsUnavailable(e))
        {
            var reason = EtsyFailures.Describe(e);
            LogEtsyUnavailable(reason);
            return EtsyProblems.EtsyUnavailable($"{reason} Start the connection again in a moment.");
        }
    }

    private async Task<PlatformConnection> StoreAsync(
        Guid userId, EtsySelf me, EtsyShop shop, EtsyTokenResponse tokens, CancellationToken cancellationToken)
    {
        var shopId = shop.ShopId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Reconnecting a shop renews its row rather than adding a second live connection to it.
        var connection = await db.PlatformConnections.SingleOrDefaultAsync(
            c => c.UserId == userId && c.Platform == PlatformConnection.Etsy && c.ShopId == shopId && c.DisconnectedAt == null,
            cancellationToken);
        if (connection is null)
        {
            connection = new PlatformConnection { UserId = userId, Platform = PlatformConnection.Etsy, ShopId = shopId };
            db.PlatformConnections.Add(connection);
        }

        var now = timeProvider.GetUtcNow();
        connection.ShopName = shop.ShopName;
        connection.ExternalUserId = me.UserId;
        connection.AccessTokenEncrypted = secrets.ProtectToken(tokens.AccessToken);
        connection.RefreshTokenEncrypted = secrets.ProtectToken(tokens.RefreshToken);
        connection.TokenExpiresAt = now.AddSeconds(tokens.ExpiresIn);
        connection.TokenRefreshedAt = now;
        connection.Scopes = options.Value.Scopes;
        connection.IsActive = true;
        connection.InactiveReason = null;
        await db.SaveChangesAsync(cancellationToken);
        return connection;
    }

    private ProblemHttpResult Reject(string reason)
    {
        LogCallbackRejected(reason);
        return EtsyProblems.BadCallback(reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Etsy shop {ShopId} connected for user {UserId} as connection {ConnectionId}")]
    private partial void LogConnected(Guid userId, long shopId, Guid connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Etsy callback rejected: {Reason}")]
    private partial void LogCallbackRejected(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Etsy callback could not complete: {Reason}")]
    private partial void LogEtsyUnavailable(string reason);
}
