namespace CraftFlow.Caching;

/// <summary>How long an entry lives and which tags invalidate it.</summary>
public sealed record CacheEntryOptions
{
    /// <summary>Lifetime in both tiers; <see cref="CachingOptions.DefaultTtlSeconds"/> when null.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Tags such as <c>user:{id}</c> (see <see cref="CacheTags"/>); invalidating one makes the entry a miss.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    public static CacheEntryOptions For(TimeSpan ttl, params string[] tags) => new() { Ttl = ttl, Tags = tags };
}
