using CraftFlow.Api.Auth;
using CraftFlow.Caching;

namespace CraftFlow.Api.Caching;

/// <summary>Token lookups cached for 15 minutes (DESIGN.md); unknown tokens are not cached; revoking evicts at once.</summary>
public sealed class CachedTokenLookup(ITwoTierCache cache) : ITokenLookupCache
{
    private static readonly CacheEntryOptions Lifetime = new() { Ttl = TimeSpan.FromMinutes(15) };

    public async Task<AuthenticatedUser?> GetOrLoadAsync(
        byte[] tokenHash, Func<CancellationToken, Task<AuthenticatedUser?>> load, CancellationToken cancellationToken)
    {
        var key = Key(tokenHash);
        var cached = await cache.TryGetAsync<AuthenticatedUser>(key, cancellationToken);
        if (cached.Found)
        {
            return cached.Value;
        }

        var user = await load(cancellationToken);
        if (user is not null)
        {
            await cache.SetAsync(key, user, Lifetime with { Tags = [CacheTags.User(user.UserId)] }, cancellationToken);
        }

        return user;
    }

    public async Task EvictAsync(byte[] tokenHash, CancellationToken cancellationToken)
        => await cache.RemoveAsync(Key(tokenHash), cancellationToken);

    private static string Key(byte[] tokenHash) => "token:" + Convert.ToHexStringLower(tokenHash);
}
