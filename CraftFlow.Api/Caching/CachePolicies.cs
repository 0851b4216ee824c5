using CraftFlow.Caching;

namespace CraftFlow.Api.Caching;

/// <summary>The cached reads and their TTLs (DESIGN.md section 4).</summary>
public static class CachePolicies
{
    public static readonly CachedReadPolicy DesignList = new(TimeSpan.FromSeconds(300), (http, user) =>
        Guid.TryParse(http.Request.Query["template_id"], out var template)
            ? [CacheTags.DesignList(user), CacheTags.Template(template)]
            : [CacheTags.DesignList(user)], changedByWorker: true);

    public static readonly CachedReadPolicy Design = new(
        TimeSpan.FromSeconds(600), (http, _) => [CacheTags.Design(CachedReadPolicy.RouteId(http))], changedByWorker: true);

    public static readonly CachedReadPolicy TemplateList = new(TimeSpan.FromSeconds(600), (_, user) => [CacheTags.TemplateList(user)]);

    public static readonly CachedReadPolicy Template = new(TimeSpan.FromSeconds(1800), (http, _) => [CacheTags.Template(CachedReadPolicy.RouteId(http))]);

    public static readonly CachedReadPolicy MockupList = new(TimeSpan.FromSeconds(300), (_, user) => [CacheTags.MockupList(user)], changedByWorker: true);

    public static readonly CachedReadPolicy Mockup = new(
        TimeSpan.FromSeconds(600), (http, _) => [CacheTags.Mockup(CachedReadPolicy.RouteId(http))], changedByWorker: true);
}
