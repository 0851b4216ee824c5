namespace CraftFlow.Api.Auth;

/// <summary>Caches token lookups for 15 minutes (DESIGN.md); revoking evicts at once.</summary>
public interface ITokenLookupCache
{
    Task<AuthenticatedUser?> GetOrLoadAsync(byte[] tokenHash, Func<CancellationToken, Task<AuthenticatedUser?>> load, CancellationToken cancellationToken);

    Task EvictAsync(byte[] tokenHash, CancellationToken cancellationToken);
}

/// <summary>No caching: every request reads the token row. Replaced by the two-tier cache when caching is on.</summary>
public sealed class UncachedTokenLookup : ITokenLookupCache
{
    public Task<AuthenticatedUser?> GetOrLoadAsync(byte[] tokenHash, Func<CancellationToken, Task<AuthenticatedUser?>> load, CancellationToken cancellationToken)
        => load(cancellationToken);

    public Task EvictAsync(byte[] tokenHash, CancellationToken cancellationToken) => Task.CompletedTask;
}
