namespace CraftFlow.Caching;

/// <summary>
/// The keys CraftFlow caches under. FusionCache puts <see cref="Prefix"/> in front of every one (memory and Redis
/// alike), so CraftFlow can share a Redis with other applications.
/// </summary>
public static class CacheKeys
{
    public const string Prefix = "craftflow:";

    /// <summary>A bearer token's lookup, by the SHA-256 of the token (the token itself is never a key).</summary>
    public static string Token(ReadOnlySpan<byte> tokenHash) => "token:" + Convert.ToHexStringLower(tokenHash);

    /// <summary>A response of ASP.NET Core output caching, by the middleware's own key.</summary>
    public static string OutputCache(string key) => "output:" + key;
}
