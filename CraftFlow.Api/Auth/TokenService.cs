using System.Security.Cryptography;
using System.Text;
using CraftFlow.Data;
using CraftFlow.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftFlow.Api.Auth;

/// <summary>
/// Opaque bearer tokens: 32 random bytes, base64url. Only the SHA-256 is stored, so the database
/// never holds a usable token; a lookup is one indexed query on the unique hash.
/// </summary>
public sealed class TokenService(CraftFlowDbContext db, IOptions<AuthOptions> options, TimeProvider timeProvider, ITokenLookupCache cache)
{
    public async Task<(string Token, UserToken Entity)> IssueAsync(Guid userId, string name, CancellationToken cancellationToken)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = timeProvider.GetUtcNow();
        var entity = new UserToken
        {
            UserId = userId,
            Name = name,
            TokenHash = Hash(token),
            CreatedAt = now,
            ExpiresAt = now + options.Value.TokenLifetime,
        };
        db.UserTokens.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return (token, entity);
    }

    public async Task<AuthenticatedUser?> ResolveAsync(string token, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        var user = await cache.GetOrLoadAsync(hash, async ct => await db.UserTokens
            .AsNoTracking()
            .Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Select(t => new AuthenticatedUser(t.UserId, t.Id, t.User!.Email, t.User.IsAdmin, t.ExpiresAt))
            .SingleOrDefaultAsync(ct), cancellationToken);
        return user is not null && user.ExpiresAt > timeProvider.GetUtcNow() ? user : null;
    }

    /// <summary>Revokes one of the user's tokens; the cached lookup goes before the response does.</summary>
    public async Task<bool> RevokeAsync(Guid userId, Guid tokenId, CancellationToken cancellationToken)
    {
        var token = await db.UserTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null, cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.RevokedAt = timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await cache.EvictAsync(token.TokenHash, cancellationToken);
        return true;
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes)
        => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
