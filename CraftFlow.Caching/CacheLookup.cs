namespace CraftFlow.Caching;

/// <summary>The result of <see cref="ITwoTierCache.TryGetAsync{T}"/>: whether the key was cached, and its value.</summary>
public readonly record struct CacheLookup<T>(bool Found, T? Value)
{
    public static CacheLookup<T> Miss => default;
}
