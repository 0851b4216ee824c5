namespace CraftFlow.Caching;

/// <summary>
/// The designs a job changes, invalidated together when the job is done with them (<c>await using</c>), also when
/// it stops half-way: one call of <see cref="CacheInvalidation.DesignsChangedAsync"/> per user instead of one per
/// design. Not thread-safe: one job, one collector.
/// </summary>
public sealed class DesignChanges : IAsyncDisposable
{
    private readonly CacheInvalidation _invalidation;
    private readonly List<(Guid UserId, Guid DesignId)> _changed = [];

    internal DesignChanges(CacheInvalidation invalidation) => _invalidation = invalidation;

    public void Add(Guid userId, Guid designId) => _changed.Add((userId, designId));

    public async ValueTask DisposeAsync()
    {
        // Not the job's token: a cancelled job has changed designs too. The cache's Redis timeouts bound this.
        foreach (var user in _changed.GroupBy(c => c.UserId))
        {
            await _invalidation.DesignsChangedAsync(user.Key, [.. user.Select(c => c.DesignId).Distinct()], CancellationToken.None).ConfigureAwait(false);
        }

        _changed.Clear();
    }
}
