namespace CraftFlow.Api.Caching;

/// <summary>The cached reads, with the TTLs of DESIGN.md section 4 and the tags their writes evict.</summary>
public static class CachePolicies
{
    public static readonly CachedReadPolicy DesignList = new(CacheTtls.DesignList, (http, user) =>
        Guid.TryParse(http.Request.Query["template_id"], out var template)
            ? [CacheTags.DesignList(user), CacheTags.Template(template)]
            : [CacheTags.DesignList(user)], changedByWorker: true);

    public static readonly CachedReadPolicy Design = new(
        CacheTtls.Design, (http, user) => [CacheTags.Design(CachedReadPolicy.RouteId(http)), CacheTags.AnyDesign(user)], changedByWorker: true);

    public static readonly CachedReadPolicy TemplateList = new(CacheTtls.TemplateList, (_, user) => [CacheTags.TemplateList(user)]);

    public static readonly CachedReadPolicy Template = new(CacheTtls.Template, (http, _) => [CacheTags.Template(CachedReadPolicy.RouteId(http))]);

    public static readonly CachedReadPolicy MockupList = new(CacheTtls.MockupList, (_, user) => [CacheTags.MockupList(user)], changedByWorker: true);

    public static readonly CachedReadPolicy Mockup = new(
        CacheTtls.Mockup, (http, _) => [CacheTags.Mockup(CachedReadPolicy.RouteId(http))], changedByWorker: true);
}
