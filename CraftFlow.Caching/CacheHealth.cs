namespace CraftFlow.Caching;

/// <summary>
/// The <c>cache_health</c> object of <c>GET /api/cache/health</c>: each of <see cref="Redis"/>,
/// <see cref="Memory"/> and <see cref="Overall"/> is one of <see cref="Healthy"/>, <see cref="Degraded"/>,
/// <see cref="Disabled"/> or <see cref="NotConfigured"/>.
/// </summary>
public sealed record CacheHealth(string Redis, string Memory, string Overall, DateTimeOffset LastCheck, string Description)
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Disabled = "disabled";
    public const string NotConfigured = "not_configured";
}
