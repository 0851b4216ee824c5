namespace CraftFlow.Caching;

/// <summary>
/// The tag names the API invalidates by (<c>POST /api/cache/clear/user/{id}</c>, <c>…/template/{id}</c>),
/// in one place so that writers and readers agree on the spelling.
/// </summary>
public static class CacheTags
{
    public static string User(Guid userId) => $"user:{userId:N}";

    public static string Template(Guid templateId) => $"template:{templateId:N}";
}
