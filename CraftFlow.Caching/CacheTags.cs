namespace CraftFlow.Caching;

/// <summary>
/// The tag names cached reads carry and writes invalidate, in one place so that the API, the Worker and the
/// cache routes agree on the spelling. Every entry of a user carries <see cref="User"/>; a resource's entries
/// also carry its own tag, and list entries their list's tag, so a change evicts exactly the entries it made stale.
/// </summary>
public static class CacheTags
{
    /// <summary>Everything cached for a user (<c>POST /api/cache/clear/user/{id}</c>).</summary>
    public static string User(Guid userId) => $"user:{userId:N}";

    /// <summary>A template and every list filtered by it (<c>POST /api/cache/clear/template/{id}</c>).</summary>
    public static string Template(Guid templateId) => $"template:{templateId:N}";

    public static string TemplateList(Guid userId) => $"templates:{userId:N}";

    public static string Design(Guid designId) => $"design:{designId:N}";

    public static string DesignList(Guid userId) => $"designs:{userId:N}";

    /// <summary>
    /// Every cached read of one of a user's designs: what a change to many designs at once (a processed upload
    /// batch) invalidates, with one tag instead of one per design. Lists carry <see cref="DesignList"/> only.
    /// </summary>
    public static string AnyDesign(Guid userId) => $"any-design:{userId:N}";

    public static string Mockup(Guid mockupId) => $"mockup:{mockupId:N}";

    public static string MockupList(Guid userId) => $"mockups:{userId:N}";
}
