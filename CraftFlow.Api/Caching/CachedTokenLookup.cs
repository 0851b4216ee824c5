using CraftFlow.Api.Auth;
using ZiggyCreatures.Caching.Fusion;

namespace CraftFlow.Api.Caching;

/// <summary>
/// Token lookups cached for 15 minutes (DESIGN.md), tagged with their user. Concurrent requests with one token read
/// its row once; an unknown token is not cached; a revoke removes the entry on every instance before it answers.
/// No fail-safe: a lookup the database cannot confirm is not answered from an expired entry.
/// </summary>
public sealed class CachedTokenLookup(IFusionCache cache, CacheEntries entries) : ITokenLookupCache
{
    public async Task<AuthenticatedUser?> GetOrLoadAsync(
        byte[] tokenHash, Func<CancellationToken, Task<AuthenticatedUser?>> load, CancellationToken cancellationToken)
        => await cache.GetOrSetAsync<AuthenticatedUser?>(
            CacheKeys.Token(tokenHash),
            async (context, token) =>
            {
                var user = await load(token);
                if (user is null)
                {
                    context.Options.SkipMemoryCacheWrite = true;
                    context.Options.SkipDistributedCacheWrite = true;
                    context.Options.SkipBackplaneNotifications = true;
                }
                else
                {
                    context.Tags = [CacheTags.User(user.UserId)];
                }

                return user;
            },
            options: entries.WithoutFailSafe(CacheTtls.UserToken),
            token: cancellationToken);

    public async Task EvictAsync(byte[] tokenHash, CancellationToken cancellationToken)
        => await cache.RemoveAsync(CacheKeys.Token(tokenHash), token: cancellationToken);
}
