using CraftFlow.Caching;

namespace CraftFlow.Api.Caching;

/// <summary>What each write makes stale; called after the write commits and before the response is sent.</summary>
public sealed class CacheInvalidation(ITwoTierCache cache)
{
    public async Task DesignsChangedAsync(Guid userId, IEnumerable<Guid> designIds, CancellationToken cancellationToken)
    {
        await cache.InvalidateTagAsync(CacheTags.DesignList(userId), cancellationToken);
        foreach (var id in designIds)
        {
            await cache.InvalidateTagAsync(CacheTags.Design(id), cancellationToken);
        }
    }

    public async Task TemplateChangedAsync(Guid userId, Guid? templateId, CancellationToken cancellationToken)
    {
        await cache.InvalidateTagAsync(CacheTags.TemplateList(userId), cancellationToken);
        if (templateId is { } id)
        {
            await cache.InvalidateTagAsync(CacheTags.Template(id), cancellationToken);
        }
    }

    public async Task MockupChangedAsync(Guid userId, Guid? mockupId, CancellationToken cancellationToken)
    {
        await cache.InvalidateTagAsync(CacheTags.MockupList(userId), cancellationToken);
        if (mockupId is { } id)
        {
            await cache.InvalidateTagAsync(CacheTags.Mockup(id), cancellationToken);
        }
    }
}
