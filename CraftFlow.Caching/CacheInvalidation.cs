using ZiggyCreatures.Caching.Fusion;

namespace CraftFlow.Caching;

/// <summary>
/// What each change makes stale, in one place for the API and the Worker. Called after the change commits and
/// before the response is sent (or the job ends). Every method is one tag removal per tag it names: FusionCache
/// records it in memory and Redis and tells the other nodes through the backplane; while Redis is unreachable
/// auto-recovery replays it when Redis returns.
/// </summary>
public sealed class CacheInvalidation(IFusionCache cache)
{
    /// <summary>
    /// Designs of one user were added, changed or deleted. One id evicts that design and the user's lists; several
    /// (a processed upload batch) evict the lists and every cached read of one of the user's designs, two tags
    /// however many designs, so a job invalidates once, not once per design. No id (an upload of new designs)
    /// evicts the lists only.
    /// </summary>
    public Task DesignsChangedAsync(Guid userId, IReadOnlyCollection<Guid> designIds, CancellationToken cancellationToken)
        => RemoveAsync(
            designIds.Count switch
            {
                0 => [CacheTags.DesignList(userId)],
                1 => [CacheTags.DesignList(userId), CacheTags.Design(designIds.First())],
                _ => [CacheTags.DesignList(userId), CacheTags.AnyDesign(userId)],
            },
            cancellationToken);

    /// <summary>A template was added (<paramref name="templateId"/> null), changed or deleted.</summary>
    public Task TemplateChangedAsync(Guid userId, Guid? templateId, CancellationToken cancellationToken)
        => RemoveAsync(
            templateId is { } id ? [CacheTags.TemplateList(userId), CacheTags.Template(id)] : [CacheTags.TemplateList(userId)],
            cancellationToken);

    /// <summary>A mockup was requested (<paramref name="mockupId"/> null), rendered or deleted.</summary>
    public Task MockupChangedAsync(Guid userId, Guid? mockupId, CancellationToken cancellationToken)
        => RemoveAsync(
            mockupId is { } id ? [CacheTags.MockupList(userId), CacheTags.Mockup(id)] : [CacheTags.MockupList(userId)],
            cancellationToken);

    /// <summary>Everything cached for a user (<c>POST /api/cache/clear/user/{id}</c>).</summary>
    public Task ClearUserAsync(Guid userId, CancellationToken cancellationToken)
        => RemoveAsync([CacheTags.User(userId)], cancellationToken);

    /// <summary>A template and every read filtered by it (<c>POST /api/cache/clear/template/{id}</c>).</summary>
    public Task ClearTemplateAsync(Guid templateId, CancellationToken cancellationToken)
        => RemoveAsync([CacheTags.Template(templateId)], cancellationToken);

    private async Task RemoveAsync(string[] tags, CancellationToken cancellationToken)
        => await cache.RemoveByTagAsync(tags, token: cancellationToken).ConfigureAwait(false);
}
